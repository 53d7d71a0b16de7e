using CaiEvents.Models.Training;

namespace CaiEvents.UnitTests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void Warm_up_rises_linearly_to_the_peak()
    {
        Assert.Equal(0.25, LearningRateSchedule.WarmupCosine(0, 100, 4, 1.0, 0.1), 12);
        Assert.Equal(0.50, LearningRateSchedule.WarmupCosine(1, 100, 4, 1.0, 0.1), 12);
        Assert.Equal(1.00, LearningRateSchedule.WarmupCosine(3, 100, 4, 1.0, 0.1), 12);
    }

    [Fact]
    public void Cosine_decays_from_peak_through_the_midpoint_to_the_floor()
    {
        // After 4 warm-up steps, 96 decay steps: step 4 is the peak, step 52 halfway, step 100 the floor.
        Assert.Equal(1.0, LearningRateSchedule.WarmupCosine(4, 100, 4, 1.0, 0.1), 12);
        Assert.Equal(0.1 + 0.9 * 0.5, LearningRateSchedule.WarmupCosine(52, 100, 4, 1.0, 0.1), 12);
        Assert.Equal(0.1, LearningRateSchedule.WarmupCosine(100, 100, 4, 1.0, 0.1), 12);
        Assert.Equal(0.1, LearningRateSchedule.WarmupCosine(150, 100, 4, 1.0, 0.1), 12);
    }

    [Fact]
    public void It_never_increases_after_warm_up()
    {
        var rates = Enumerable.Range(4, 97).Select(s => LearningRateSchedule.WarmupCosine(s, 100, 4, 3e-4, 0.1)).ToList();
        Assert.All(rates.Zip(rates.Skip(1)), p => Assert.True(p.Second <= p.First + 1e-18));
    }
}
