using CaiEvents.Models.Training;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// How <see cref="TrainingBenchmark.Run"/> trains: the trainer settings <c>cai bench train</c> varies (further ones, such as a LoRA
/// rank, join here as optional members).
/// </summary>
/// <param name="GradientAccumulation">Micro-batches of the batch size per optimizer step.</param>
/// <param name="ActivationCheckpointing">Recompute each decoder block in backward.</param>
public sealed record TrainingBenchmarkSettings(
    TrainingPrecision Precision = TrainingPrecision.Fp32,
    int GradientAccumulation = 1,
    bool ActivationCheckpointing = false);
