namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// One principle's labels: over the pairs it judged, the mean and (population) standard deviation of its P(A) (the mean of
/// its orders per pair), the mean confidence max(P, 1 − P), and the mean position bias |P_AB − (1 − P_BA)| over the pairs it
/// judged in both orders. Null bias: no pair had both orders.
/// </summary>
public sealed record PrincipleLabelStatistics(string PrincipleId, int Pairs, double MeanProbabilityA, double SpreadProbabilityA,
    double MeanConfidence, int PairsWithBothOrders, double? MeanPositionBias);
