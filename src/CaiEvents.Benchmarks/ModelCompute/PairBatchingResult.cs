namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>Wall times of generating the same response pairs three ways, and how many pairs' texts differ.</summary>
/// <param name="UnbatchedSeconds">The per-pair path: one model call per response.</param>
/// <param name="Batch1Seconds">The batched path with one pair per call.</param>
/// <param name="BatchNSeconds">The batched path with <see cref="PairBatchingSettings.BatchSize"/> pairs per call.</param>
/// <param name="DifferingPairs">Pairs of the batch-N way that differ from the same pair of either other way (0 expected).</param>
public sealed record PairBatchingResult(
    PairBatchingSettings Settings, string Model, double UnbatchedSeconds, double Batch1Seconds, double BatchNSeconds, int DifferingPairs,
    int Threads)
{
    public double PairsPerSUnbatched => Settings.Pairs / UnbatchedSeconds;

    public double PairsPerSBatch1 => Settings.Pairs / Batch1Seconds;

    public double PairsPerSBatchN => Settings.Pairs / BatchNSeconds;

    public double SpeedupBatchNVs1 => Batch1Seconds / BatchNSeconds;
}
