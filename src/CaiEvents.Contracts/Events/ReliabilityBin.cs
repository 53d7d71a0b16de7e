namespace CaiEvents.Contracts.Events;

/// <summary>
/// One bin of a preference model's held-out reliability diagram, in the bins its expected calibration error uses: pairs whose
/// confidence in the side they predict, max(P(A), 1 − P(A)), lies in [<paramref name="Lower"/>, <paramref name="Upper"/>) (the last bin
/// includes 1). <paramref name="MeanPredicted"/> is their mean confidence and <paramref name="ObservedFraction"/> the share whose
/// predicted side is the label's; both null for an empty bin (JSON has no NaN).
/// </summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double? MeanPredicted, double? ObservedFraction);
