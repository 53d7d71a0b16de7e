namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>One process of <see cref="ScaleBenchmark"/> and its peak RSS (null where it could not be read).</summary>
public sealed record ProcessPeak(string Process, long? PeakResidentBytes);
