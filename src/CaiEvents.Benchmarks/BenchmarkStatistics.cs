namespace CaiEvents.Benchmarks;

/// <summary>The pure arithmetic of the benchmarks' figures.</summary>
public static class BenchmarkStatistics
{
    /// <summary>
    /// Events per second between the 10th and the 90th percentile of their commit times: the rate while every worker
    /// has work, without the start of a run (the first critiques wait for the first responses) and its end (the last
    /// samples' rounds run one after another). Those two phases last about as long whatever the number of workers, so
    /// they weigh more in the shorter runs of many workers.
    /// </summary>
    public static double SteadyRate(IReadOnlyList<DateTimeOffset> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        if (times.Count < 3) throw new ArgumentException("the steady rate needs at least 3 events", nameof(times));
        var sorted = times.Order().ToList();
        var first = (int)Math.Floor(0.1 * (sorted.Count - 1));
        var last = (int)Math.Ceiling(0.9 * (sorted.Count - 1));
        var seconds = (sorted[last] - sorted[first]).TotalSeconds;
        return seconds > 0 ? (last - first) / seconds : double.PositiveInfinity;
    }

    /// <summary>
    /// Events per second over the first and over the last tenth of their commit times (at least 2 events each): whether
    /// a long run keeps the pace it started with. Each rate counts the intervals between the window's events, so the
    /// time before the first event (filling the pipeline) is not in it.
    /// </summary>
    public static (double First, double Last) EdgeRates(IReadOnlyList<DateTimeOffset> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        if (times.Count < 4) throw new ArgumentException("the first and last tenth need at least 4 events", nameof(times));
        var sorted = times.Order().ToList();
        var m = Math.Max(2, sorted.Count / 10);
        // PostgreSQL timestamps have microsecond resolution: two commits within one microsecond count as one microsecond apart.
        static double Rate(DateTimeOffset from, DateTimeOffset to, int events) => (events - 1) / Math.Max((to - from).TotalSeconds, 1e-6);
        return (Rate(sorted[0], sorted[m - 1], m), Rate(sorted[^m], sorted[^1], m));
    }

    /// <summary>The middle value, or the mean of the two middle values of an even count (robust to one disturbed repetition).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("the median needs at least one value", nameof(values));
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
