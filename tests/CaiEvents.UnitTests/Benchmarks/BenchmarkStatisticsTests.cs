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
}
