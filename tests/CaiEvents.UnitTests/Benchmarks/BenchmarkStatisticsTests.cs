using CaiEvents.Benchmarks;

namespace CaiEvents.UnitTests.Benchmarks;

public class BenchmarkStatisticsTests
{
    [Fact]
    public void Median_of_an_odd_count_is_the_middle_value_whatever_the_order()
    {
        Assert.Equal(2.0, BenchmarkStatistics.Median([3.0, 1.0, 2.0]));
        Assert.Equal(7.5, BenchmarkStatistics.Median([7.5]));
    }

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_two_middle_values()
    {
        // Sorted: 1, 2, 4, 100: the disturbed repetition (100) does not move it beyond the middle two.
        Assert.Equal(3.0, BenchmarkStatistics.Median([100.0, 2.0, 1.0, 4.0]));
    }

    [Fact]
    public void Median_of_nothing_is_refused()
    {
        Assert.Throws<ArgumentException>(() => BenchmarkStatistics.Median([]));
    }

    [Fact]
    public void Edge_rates_count_the_intervals_within_the_first_and_the_last_tenth()
    {
        var t0 = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        // 40 events, unsorted: the first 10 every 0.5 s, then every 0.1 s, the last 4 every 0.25 s. Tenth = 4 events.
        var times = Enumerable.Range(0, 10).Select(i => t0.AddSeconds(0.5 * i))
            .Concat(Enumerable.Range(1, 26).Select(i => t0.AddSeconds(4.5 + 0.1 * i)))
            .Concat(Enumerable.Range(1, 4).Select(i => t0.AddSeconds(7.1 + 0.25 * i)))
            .Reverse().ToList();
        var (first, last) = BenchmarkStatistics.EdgeRates(times);
        Assert.Equal(2.0, first, 6); // 3 intervals in 1.5 s
        Assert.Equal(4.0, last, 6); // 3 intervals in 0.75 s
        Assert.Throws<ArgumentException>(() => BenchmarkStatistics.EdgeRates([t0, t0, t0]));
    }
}
