using System.Text.Json.Serialization;

namespace CaiEvents.Contracts.Events;

/// <summary>
/// Where one pair of a preference-model dataset came from: an AI label (<see cref="Kind"/> "ai", with its <see cref="LabelId"/>) or a
/// human comparison imported into a run ("human", with its <see cref="Import"/> origin: file, line and record id).
/// </summary>
/// <param name="HeldOut">True when the pair's prompt is held out for evaluation.</param>
public sealed record PreferencePairSource(
    Guid PairId,
    string Kind,
    bool HeldOut,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? LabelId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ImportOrigin? Import = null)
{
    public const string Ai = "ai";
    public const string Human = "human";
}
