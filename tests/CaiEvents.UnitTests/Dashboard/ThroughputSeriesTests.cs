using CaiEvents.Dashboard.Rates;

namespace CaiEvents.UnitTests.Dashboard;

public class ThroughputSeriesTests
{
    [Theory]
    [InlineData(0.5, 1, 1)]     // under a second: one interval of 1 s
    [InlineData(30, 1, 31)]     // 0..30 s inclusive
    [InlineData(600, 10, 61)]   // 600 s / 60 = 10 s intervals; the last instant opens the 61st
    [InlineData(601, 11, 55)]   // ceil(601 / 60) = 11 s; floor(601 / 11) + 1 = 55
    public void A_span_is_cut_into_about_sixty_intervals_of_whole_seconds(double seconds, int expectedSeconds, int expectedIntervals)
    {
        var span = TimeSpan.FromSeconds(seconds);
        var interval = ThroughputSeries.IntervalSeconds(span);
        Assert.Equal(expectedSeconds, interval);
        Assert.Equal(expectedIntervals, ThroughputSeries.Intervals(span, interval));
    }

    [Fact]
    public void Each_role_has_a_point_per_interval_with_its_events_per_second_and_zeros_where_it_wrote_nothing()
    {
        var chart = ThroughputSeries.Of([(0, "generator", 10), (2, "generator", 5), (1, "critic", 4), (7, "critic", 1)], intervals: 3, intervalSeconds: 5);
        Assert.Equal(["critic", "generator"], chart.Series.Select(s => s.Name));
        Assert.Equal([(0.0, (double?)0.0), (5.0, 0.8), (10.0, 0.0)], chart.Series[0].Points.Select(p => (p.X, p.Y))); // interval 7 is outside
        Assert.Equal([2.0, 0.0, 1.0], chart.Series[1].Points.Select(p => p.Y!.Value));
    }
}
