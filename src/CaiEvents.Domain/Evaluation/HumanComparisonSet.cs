namespace CaiEvents.Domain.Evaluation;

/// <summary>The usable comparisons of a file and the well-formed lines that cannot be used (line, reason), as HH-RLHF splits have.</summary>
public sealed record HumanComparisonSet(IReadOnlyList<HumanComparison> Comparisons, IReadOnlyList<(int Line, string Reason)> Skipped);
