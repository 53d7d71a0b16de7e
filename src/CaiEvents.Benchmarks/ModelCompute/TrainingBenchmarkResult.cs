namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// Outcome of <see cref="TrainingBenchmark.Run"/>, printed as it is by <c>cai bench train</c> (property names in snake case),
/// figures already rounded. <paramref name="BatchSize"/> is the micro-batch; a step trains BatchSize × GradientAccumulation sequences.
/// </summary>
/// <param name="TrainableParameters">Parameters the optimizer updates (all of them for full fine-tuning; the adapters for LoRA).</param>
/// <param name="PeakMemoryGrowthBytes">Peak resident memory above what the process held before the trainer was made (null off Linux).</param>
public sealed record TrainingBenchmarkResult(
    string Bench,
    string Model,
    long Parameters,
    int Steps,
    int BatchSize,
    int SequenceLength,
    double TokensPerSecond,
    double ModelGflopPerSecond,
    double MatmulGflopPerSecond,
    double ModelFlopsUtilisation,
    int Threads,
    string Precision,
    int GradientAccumulation,
    bool ActivationCheckpointing,
    int LoraRank,
    long TrainableParameters,
    long? PeakMemoryGrowthBytes);
