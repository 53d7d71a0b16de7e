namespace CaiEvents.Dashboard.Labels;

/// <summary>One feedback question of a label as stored: principle, option order ("AB" or "BA"), P(response A) and P(option shown first).</summary>
public sealed record LabelJudgementRow(string PrincipleId, string Order, double ProbabilityA, double ProbabilityFirstOption);
