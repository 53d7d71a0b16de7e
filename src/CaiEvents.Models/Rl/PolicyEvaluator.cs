namespace CaiEvents.Models.Rl;

/// <summary>The statistics of a policy evaluation: mean reward and its standard error over the scored samples.</summary>
public static class PolicyEvaluator
{
    /// <summary>Mean and standard error of the mean (sample standard deviation / √n; 0 for a single value).</summary>
    public static (double Mean, double StandardError) MeanAndStandardError(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var mean = values.Average();
        var stderr = Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, values.Count - 1) / values.Count);
        return (mean, stderr);
    }
}
