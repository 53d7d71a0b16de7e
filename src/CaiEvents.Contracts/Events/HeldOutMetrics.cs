namespace CaiEvents.Contracts.Events;

/// <summary>
/// A preference model's held-out accuracy and expected calibration error on one source of pairs (AI labels or human comparisons);
/// −1 where no held-out pair of that source takes a side (JSON has no NaN).
/// </summary>
public sealed record HeldOutMetrics(int Pairs, double Accuracy, double Ece);
