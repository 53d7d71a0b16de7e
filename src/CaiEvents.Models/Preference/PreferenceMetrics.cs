using CaiEvents.Contracts.Events;

namespace CaiEvents.Models.Preference;

/// <summary>
/// How well predicted preferences q = P(A) agree with target labels t = P(A). A pair counts when its target takes a
/// side (t ≠ ½); the prediction takes side A when q ≥ ½.
/// </summary>
public static class PreferenceMetrics
{
    public const int DefaultBins = 10;

    /// <summary>Share of pairs (with t ≠ ½) whose predicted side matches the target's; NaN when none counts.</summary>
    public static double Accuracy(IReadOnlyList<double> predicted, IReadOnlyList<double> target)
    {
        var decided = Decided(predicted, target).ToList();
        return decided.Count == 0 ? double.NaN : decided.Count(d => d.Correct) / (double)decided.Count;
    }

    /// <summary>
    /// Expected calibration error of the predicted side: each counted pair has confidence c = max(q, 1 − q) ∈ [½, 1] and
    /// is correct when its side matches the target's; pairs are put in <paramref name="bins"/> equal-width bins of c
    /// over [½, 1] (<see cref="ReliabilityBins"/>), and ECE = Σ_b (n_b / N)·|accuracy_b − mean confidence_b|. NaN when no pair counts.
    /// </summary>
    public static double ExpectedCalibrationError(IReadOnlyList<double> predicted, IReadOnlyList<double> target, int bins = DefaultBins) =>
        ExpectedCalibrationError(ReliabilityBins(predicted, target, bins));

    /// <summary>The ECE of a reliability diagram: Σ_b (n_b / N)·|observed fraction_b − mean confidence_b|; NaN when every bin is empty.</summary>
    public static double ExpectedCalibrationError(IReadOnlyList<ReliabilityBin> diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        var total = diagram.Sum(b => b.Count);
        return total == 0
            ? double.NaN
            : diagram.Where(b => b.Count > 0).Sum(b => b.Count / (double)total * Math.Abs(b.ObservedFraction!.Value - b.MeanPredicted!.Value));
    }

    /// <summary>
    /// The reliability diagram behind <see cref="ExpectedCalibrationError(IReadOnlyList{double}, IReadOnlyList{double}, int)"/>: for each of
    /// <paramref name="bins"/> equal-width bins of confidence c = max(q, 1 − q) over [½, 1] (bin k is [½ + k/2B, ½ + (k+1)/2B), the last
    /// one closed), how many counted pairs (t ≠ ½) fall in it, their mean confidence and the share whose predicted side is the target's.
    /// Every bin is listed, an empty one with null means.
    /// </summary>
    public static IReadOnlyList<ReliabilityBin> ReliabilityBins(IReadOnlyList<double> predicted, IReadOnlyList<double> target, int bins = DefaultBins)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        var byBin = Decided(predicted, target).ToLookup(d => Math.Min(bins - 1, (int)Math.Floor((d.Confidence - 0.5) * 2 * bins)));
        return Enumerable.Range(0, bins).Select(k =>
        {
            var members = byBin[k].ToList();
            return new ReliabilityBin(0.5 + k * 0.5 / bins, 0.5 + (k + 1) * 0.5 / bins, members.Count,
                members.Count == 0 ? null : members.Average(d => d.Confidence),
                members.Count == 0 ? null : members.Count(d => d.Correct) / (double)members.Count);
        }).ToList();
    }

    /// <summary>
    /// Accuracy and ECE of the pairs with <paramref name="inGroup"/>[i] set (e.g. the human comparisons of a mixed held-out set), and how
    /// many there are: the same definitions as <see cref="Accuracy"/> and <see cref="ExpectedCalibrationError"/>, on that subset only.
    /// </summary>
    public static (int Pairs, double Accuracy, double Ece) ForGroup(IReadOnlyList<double> predicted, IReadOnlyList<double> target,
        IReadOnlyList<bool> inGroup, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(inGroup);
        if (inGroup.Count != predicted.Count) throw new ArgumentException($"{inGroup.Count} group flags for {predicted.Count} predictions");
        var p = predicted.Where((_, i) => inGroup[i]).ToList();
        var t = target.Where((_, i) => inGroup[i]).ToList();
        return (p.Count, Accuracy(p, t), ExpectedCalibrationError(p, t, bins));
    }

    private static IEnumerable<(double Confidence, bool Correct)> Decided(IReadOnlyList<double> predicted, IReadOnlyList<double> target)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(target);
        if (predicted.Count != target.Count) throw new ArgumentException($"{predicted.Count} predictions for {target.Count} targets");
        for (var i = 0; i < predicted.Count; i++)
        {
            if (target[i] == 0.5) continue;
            var q = predicted[i];
            yield return (Math.Max(q, 1 - q), q >= 0.5 == target[i] > 0.5);
        }
    }
}
