namespace CaiEvents.Models.Demo;

/// <summary>One topic of the synthetic corpus, parsed from the embedded scenario files.</summary>
internal sealed record Theme(
    string Id,
    bool RedTeam,
    IReadOnlyList<string> Principles,
    IReadOnlyDictionary<string, string[]> Slots,
    string Task,
    string Harm,
    string Alt,
    IReadOnlyList<string> Requests,
    IReadOnlyList<string> Harmful,
    IReadOnlyList<string> Harmless,
    bool UseGenericAnswers,
    IReadOnlyList<string> CritiqueOfHarmful,
    IReadOnlyList<string> CritiqueOfHarmless);
