namespace CaiEvents.Dashboard.Labels;

/// <summary>One stored label of a run: its final P(A preferred) and its feedback questions.</summary>
public sealed record LabelRow(Guid LabelId, Guid ComparisonId, Guid PairId, double ProbabilityA, IReadOnlyList<LabelJudgementRow> Judgements);
