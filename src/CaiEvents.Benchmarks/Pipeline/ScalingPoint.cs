namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>One timed run of <see cref="ScalingBenchmark"/> with <paramref name="Workers"/> Critic processes.</summary>
/// <param name="CritiqueBoundPerS">Critiques/s the Critic processes could at most deliver given the model's latency.</param>
/// <param name="SteadyCritiquesPerS">Critiques/s over the middle 80% of the run's critiques (<see cref="BenchmarkStatistics.SteadyRate"/>).</param>
/// <param name="StepGaps">Per event type of the samples, median/p90 ms since the sample's previous event.</param>
public sealed record ScalingPoint(
    int Workers, double Seconds, double SamplesPerS, double CritiquesPerS, double CritiqueBoundPerS, double SteadyCritiquesPerS, string StepGaps);
