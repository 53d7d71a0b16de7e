using CaiEvents.Models.Training;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// How <see cref="TrainingBenchmark.Run"/> trains: the trainer settings <c>cai bench train</c> varies.
/// </summary>
/// <param name="GradientAccumulation">Micro-batches of the batch size per optimizer step.</param>
/// <param name="ActivationCheckpointing">Recompute each decoder block in backward.</param>
/// <param name="LoraRank">0: full fine-tuning; r &gt; 0: LoRA adapters of rank r (alpha 2r, no dropout) on the family's default
/// targets, base weights frozen.</param>
public sealed record TrainingBenchmarkSettings(
    TrainingPrecision Precision = TrainingPrecision.Fp32,
    int GradientAccumulation = 1,
    bool ActivationCheckpointing = false,
    int LoraRank = 0);
