using CaiEvents.Contracts.Events;
using CaiEvents.Contracts.Events.Versions;
using Marten;

namespace CaiEvents.EventStore;

/// <summary>
/// Versioned events: the current shape of each is stored under its own type name, and every older shape is
/// upcast on read with Marten's upcasting, so streams, projections and exports only ever see the current shape.
/// Stored events are never rewritten (that would break their hash chain).
/// </summary>
public static class EventVersions
{
    public const string PreferenceImportedV1 = "preference_imported";
    public const string PreferenceImportedV2 = "preference_imported_v2";

    /// <summary>Every type name a <see cref="PreferenceImported"/> may be stored under.</summary>
    public static readonly IReadOnlyList<string> PreferenceImportedNames = [PreferenceImportedV1, PreferenceImportedV2];

    public static void Configure(StoreOptions opts)
    {
        opts.Events.MapEventType<PreferenceImported>(PreferenceImportedV2);
        opts.Events.Upcast<PreferenceImportedV1, PreferenceImported>(PreferenceImportedV1, v1 => v1.Upcast());
    }
}
