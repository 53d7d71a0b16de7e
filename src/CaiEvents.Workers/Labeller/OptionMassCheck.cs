using System.Globalization;
using CaiEvents.Contracts.Events;

namespace CaiEvents.Workers.Labeller;

/// <summary>
/// Whether the judgements of a label read from a server's top log-probabilities rest on enough evidence: the two options must
/// hold at least the threshold's share of the probability at the answer position. Normalising a pair of options that together
/// got, say, 3 % of the mass would turn noise into a confident label, so such a label is refused instead (a recorded failure).
/// Judgements without a mass (exact continuation scores) always pass.
/// </summary>
public static class OptionMassCheck
{
    /// <summary>The default threshold: at least half of the probability must fall on (A) or (B).</summary>
    public const double DefaultThreshold = 0.5;

    /// <summary>The <see cref="ComparisonStepFailed.ErrorType"/> of a label refused for too little option mass.</summary>
    public const string FailureType = "LowOptionMass";

    /// <summary>Where the threshold is configured, as the failure message names it.</summary>
    public const string SettingName = "Workers:Labeller:MinOptionMass";

    /// <summary>
    /// The failure message naming every judgement (principle, order, mass) whose option mass is below
    /// <paramref name="threshold"/>, and the threshold; null when every judgement passes.
    /// </summary>
    public static string? Failure(IReadOnlyList<FeedbackJudgement> judgements, double threshold)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        // !(m >= t) also catches a NaN mass, which is no evidence either.
        var low = judgements.Where(j => j.OptionMass is { } mass && !(mass >= threshold)).ToList();
        if (low.Count == 0) return null;
        var listed = string.Join("; ", low.Select(j => string.Create(CultureInfo.InvariantCulture,
            $"principle {j.PrincipleId}, order {j.Order}: A/B mass {j.OptionMass:0.####}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"A/B option mass below the threshold {threshold} ({SettingName}) in {low.Count} of {judgements.Count} judgement(s): {listed}; ")
            + "the top log-probs hold too little of an (A)/(B) answer to normalise";
    }

    /// <summary>Throws a one-line explanation when <paramref name="threshold"/> is not a probability in [0, 1].</summary>
    public static void Validate(double threshold)
    {
        if (!(threshold is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"{SettingName} must be between 0 and 1");
    }
}
