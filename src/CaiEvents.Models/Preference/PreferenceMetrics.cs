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
    /// over [½, 1], and ECE = Σ_b (n_b / N)·|accuracy_b − mean confidence_b|. NaN when no pair counts.
    /// </summary>
    public static double ExpectedCalibrationError(IReadOnlyList<double> predicted, IReadOnlyList<double> target, int bins = DefaultBins)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        var decided = Decided(predicted, target).ToList();
        if (decided.Count == 0) return double.NaN;
        var total = 0.0;
        foreach (var bin in decided.GroupBy(d => Math.Min(bins - 1, (int)Math.Floor((d.Confidence - 0.5) * 2 * bins))))
        {
            var accuracy = bin.Count(d => d.Correct) / (double)bin.Count();
            total += bin.Count() / (double)decided.Count * Math.Abs(accuracy - bin.Average(d => d.Confidence));
        }
        return total;
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
