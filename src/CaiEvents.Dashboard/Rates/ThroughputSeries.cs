using CaiEvents.Dashboard.Charts;

namespace CaiEvents.Dashboard.Rates;

/// <summary>
/// Events per second per worker role in equal intervals of a run: the run's span cut into pieces of whole seconds, about
/// <see cref="MaxIntervals"/> of them, and an interval without events of a role is a zero, not a gap.
/// </summary>
public static class ThroughputSeries
{
    public const int MaxIntervals = 60;

    /// <summary>Whole seconds per interval for a span: at least one, and at most <see cref="MaxIntervals"/> intervals fit in the span.</summary>
    public static int IntervalSeconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds / MaxIntervals));

    /// <summary>Intervals from the start up to and including the one that holds the span's last instant.</summary>
    public static int Intervals(TimeSpan span, int intervalSeconds) => (int)Math.Floor(span.TotalSeconds / intervalSeconds) + 1;

    /// <summary>
    /// The chart from counted events: (interval index from the start, role, events). Point X is the interval's start in seconds
    /// since the run started, Y its events divided by the interval's seconds. Roles in ordinal order.
    /// </summary>
    public static Chart Of(IReadOnlyList<(int Interval, string Role, long Events)> counts, int intervals, int intervalSeconds)
    {
        var series = counts.Where(c => c.Interval >= 0 && c.Interval < intervals)
            .GroupBy(c => c.Role, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var perInterval = new long[intervals];
                foreach (var c in g) perInterval[c.Interval] += c.Events;
                return new ChartSeries(g.Key, perInterval.Select((n, i) => new ChartPoint((double)i * intervalSeconds, n / (double)intervalSeconds)).ToList());
            })
            .ToList();
        return new Chart("throughput", "Events per second per role", "seconds since the run started", "events/s", "line", series,
            $"events with provenance, counted per {intervalSeconds} s interval");
    }
}
