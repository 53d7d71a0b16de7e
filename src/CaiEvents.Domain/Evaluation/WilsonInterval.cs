namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// The Wilson score interval for k successes in n trials: with p = k/n and z the normal quantile,
/// centre = (p + z²/2n) / (1 + z²/n) and half-width = z·√(p(1 − p)/n + z²/4n²) / (1 + z²/n).
/// Unlike p ± z·√(p(1 − p)/n) it stays inside [0, 1] and is not empty at k = 0 or k = n, which matters for the small
/// evaluation sets this project runs on.
/// </summary>
public static class WilsonInterval
{
    /// <summary>z for a two-sided 95 % interval (the 0.975 quantile of the standard normal).</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The interval; null when there are no trials (nothing was measured).</summary>
    public static ProportionInterval? Compute(int successes, int trials, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (successes < 0 || successes > trials) throw new ArgumentOutOfRangeException(nameof(successes), successes, $"must be in [0, {trials}]");
        if (trials == 0) return null;
        double n = trials;
        var p = successes / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        return new ProportionInterval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
