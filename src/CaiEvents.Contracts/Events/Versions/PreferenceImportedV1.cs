namespace CaiEvents.Contracts.Events.Versions;

/// <summary>
/// Version 1 of <see cref="PreferenceImported"/>, as events written before version 2 hold it (event type name
/// <c>preference_imported</c>). Never written any more; kept so that stored version-1 events can be read and upcast.
/// </summary>
public sealed record PreferenceImportedV1(
    Guid PairId,
    Guid RunId,
    string Prompt,
    string Chosen,
    string Rejected,
    string Source,
    int SourceLine,
    string SourceId,
    DateTimeOffset ImportedAt)
{
    public PreferenceImported Upcast() => new(PairId, RunId, Prompt, Chosen, Rejected, new ImportOrigin(Source, SourceLine, SourceId), ImportedAt);
}
