namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// The timed run of <see cref="PipelineThroughputBenchmark"/>: its wall time and the events it wrote, and the raw Marten
/// baseline of the same events.
/// </summary>
public sealed record PipelineThroughputResult(
    PipelineThroughputSettings Settings, double Seconds, long Events, RawMartenBaselineResult Baseline, int Processors)
{
    public double SamplesPerS => Settings.Prompts / Seconds;

    public double EventsPerS => Events / Seconds;

    /// <summary>The pipeline's events/s as a fraction of the raw Marten baseline's.</summary>
    public double RatioToBaseline => EventsPerS / Baseline.EventsPerS;
}
