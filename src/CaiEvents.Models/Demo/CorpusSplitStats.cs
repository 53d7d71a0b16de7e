namespace CaiEvents.Models.Demo;

/// <summary>Counts for one split.</summary>
public sealed record CorpusSplitStats(
    int Documents,
    int CritiqueRevision,
    int TwoRound,
    int Plain,
    int Comparison,
    int ComparisonCorrectA,
    long Characters);
