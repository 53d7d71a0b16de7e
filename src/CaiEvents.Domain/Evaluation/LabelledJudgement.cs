namespace CaiEvents.Domain.Evaluation;

/// <summary>One recorded feedback judgement as the label report needs it: the pair, the principle, the order ("AB"/"BA") and P(response A).</summary>
public sealed record LabelledJudgement(Guid PairId, string PrincipleId, string Order, double ProbabilityA);
