namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>The points of <see cref="ScalingBenchmark"/>, in the order of <see cref="ScalingSettings.WorkerCounts"/>.</summary>
public sealed record ScalingResult(ScalingSettings Settings, IReadOnlyList<ScalingPoint> Points, int Processors)
{
    /// <summary>Samples/s of the point over that of the first point, rounded to 2 places.</summary>
    public double SpeedupVsFirst(ScalingPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Math.Round(point.SamplesPerS / Points[0].SamplesPerS, 2);
    }

    /// <summary>Steady critiques/s of the point over that of the first point, rounded to 2 places.</summary>
    public double SteadySpeedupVsFirst(ScalingPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Math.Round(point.SteadyCritiquesPerS / Points[0].SteadyCritiquesPerS, 2);
    }
}
