namespace CaiEvents.Models.Demo;

/// <summary>Pure maths of soft preference labels.</summary>
public static class PreferenceMath
{
    /// <summary>P(first) = exp(a) / (exp(a) + exp(b)) for log-probabilities a, b, computed stably.</summary>
    public static double NormalisedFirst(double logProbFirst, double logProbSecond) =>
        1.0 / (1.0 + Math.Exp(logProbSecond - logProbFirst));
}
