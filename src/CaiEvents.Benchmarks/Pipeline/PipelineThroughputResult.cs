namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>The timed run of <see cref="PipelineThroughputBenchmark"/>: its wall time and the events it wrote.</summary>
public sealed record PipelineThroughputResult(PipelineThroughputSettings Settings, double Seconds, long Events, int Processors)
{
    public double SamplesPerS => Settings.Prompts / Seconds;

    public double EventsPerS => Events / Seconds;
}
