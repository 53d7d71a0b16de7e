namespace CaiEvents.Domain.Rl;

/// <summary>The arithmetic of AI-feedback labels, as pure functions with hand-checkable results.</summary>
public static class PreferenceLabelMath
{
    /// <summary>P(first option) from the log-probabilities of the two option continuations: exp(a)/(exp(a)+exp(b)), computed stably.</summary>
    public static double Normalise(double logProbFirst, double logProbSecond) => 1.0 / (1.0 + Math.Exp(logProbSecond - logProbFirst));

    /// <summary>
    /// P(response A) from one judgement: when the options were swapped ("BA"), the first option shown was
    /// response B, so P(A) = 1 − P(first). Averaging the two orders cancels a model's bias towards a position.
    /// </summary>
    public static double ProbabilityOfA(double probabilityFirstOption, bool swapped) => swapped ? 1 - probabilityFirstOption : probabilityFirstOption;

    /// <summary>The mean of the per-judgement P(A) (orders and principles alike: an ensemble is an average).</summary>
    public static double Average(IReadOnlyCollection<double> probabilitiesOfA) =>
        probabilitiesOfA.Count == 0 ? throw new ArgumentException("no judgements to average", nameof(probabilitiesOfA)) : probabilitiesOfA.Average();

    /// <summary>Chain-of-thought labels are over-confident, so the paper clamps them into a band such as [0.4, 0.6].</summary>
    public static double Clamp(double probability, double low, double high)
    {
        if (low > high) throw new ArgumentException($"clamp band [{low}, {high}] is empty");
        return Math.Clamp(probability, low, high);
    }

    /// <summary>Hard labels for comparison with soft ones: 1, 0, or ½ on an exact tie.</summary>
    public static double Hard(double probability) => probability > 0.5 ? 1 : probability < 0.5 ? 0 : 0.5;
}
