using CaiEvents.EventStore;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// The timings of <see cref="ReplayRateBenchmark"/>: each timed repetition of the whole-store rebuild, of Marten's daemon rebuild and of the raw COPY
/// of the same events, and what the last rebuild rebuilt.
/// </summary>
/// <param name="DataBytes">UTF-8 bytes of the events' data that the COPY read.</param>
public sealed record ReplayRateResult(
    ReplayRateSettings Settings, long Events, long DataBytes, ReplayResult Rebuilt,
    IReadOnlyList<double> ReplaySeconds, IReadOnlyList<double> DaemonSeconds, IReadOnlyList<double> CopySeconds, int Processors)
{
    public double MedianReplaySeconds => BenchmarkStatistics.Median(ReplaySeconds);

    public double MedianDaemonSeconds => BenchmarkStatistics.Median(DaemonSeconds);

    public double MedianCopySeconds => BenchmarkStatistics.Median(CopySeconds);
}
