namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>Wall times of labelling the same pairs three ways, and how far their labels differ.</summary>
/// <param name="UnbatchedSeconds">The per-pair path: one forward pass per question.</param>
/// <param name="Batch1Seconds">The batched path with one pair per call.</param>
/// <param name="BatchNSeconds">The batched path with <see cref="LabelBatchingSettings.BatchSize"/> pairs per call.</param>
/// <param name="MaxLabelDifference">Largest |P(A)| difference between the batch-N labels and either of the other two.</param>
public sealed record LabelBatchingResult(
    LabelBatchingSettings Settings, string Model, double UnbatchedSeconds, double Batch1Seconds, double BatchNSeconds,
    double MaxLabelDifference, int Threads)
{
    public double LabelsPerSUnbatched => Settings.Pairs / UnbatchedSeconds;

    public double LabelsPerSBatch1 => Settings.Pairs / Batch1Seconds;

    public double LabelsPerSBatchN => Settings.Pairs / BatchNSeconds;

    public double SpeedupBatchNVs1 => Batch1Seconds / BatchNSeconds;
}
