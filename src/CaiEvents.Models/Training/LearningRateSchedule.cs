namespace CaiEvents.Models.Training;

/// <summary>Learning-rate schedules as pure functions of the step, so a resumed job continues exactly.</summary>
public static class LearningRateSchedule
{
    /// <summary>
    /// Linear warm-up from 0 to <paramref name="peak"/> over <paramref name="warmupSteps"/>, then cosine decay
    /// to <paramref name="minRatio"/>·peak at <paramref name="totalSteps"/>. <paramref name="step"/> is 0-based.
    /// </summary>
    public static double WarmupCosine(int step, int totalSteps, int warmupSteps, double peak, double minRatio)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps));
        if (warmupSteps > 0 && step < warmupSteps) return peak * (step + 1) / warmupSteps;
        var decaySteps = Math.Max(1, totalSteps - warmupSteps);
        var progress = Math.Clamp((double)(step - warmupSteps) / decaySteps, 0, 1);
        var min = peak * minRatio;
        return min + (peak - min) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
