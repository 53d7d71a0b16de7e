namespace CaiEvents.Models.Training;

/// <summary>
/// The hyper-parameters of a scheduled training run, taken by both <see cref="CausalLmTrainer"/> and
/// <see cref="Preference.PreferenceTrainer"/> (and by <see cref="TrainingSchedule"/>, which they share).
/// </summary>
/// <param name="MinLearningRateRatio">Where the cosine decay ends, as a share of <paramref name="LearningRate"/>.</param>
/// <param name="Seed">Decides the batch order (<see cref="CausalLmTrainer.BatchIndices"/>).</param>
/// <param name="Precision">What the forward and backward passes compute in (<see cref="MasterWeights"/>).</param>
/// <param name="GradientAccumulation">
/// Micro-batches of <paramref name="BatchSize"/> per optimizer step: the effective batch is BatchSize × GradientAccumulation,
/// and the loss is normalised over the effective batch, so the step equals one taken on the large batch.
/// </param>
/// <param name="ActivationCheckpointing">Recompute each decoder block in backward instead of keeping its activations.</param>
public sealed record TrainingOptions(
    int Epochs,
    int BatchSize,
    double LearningRate,
    int WarmupSteps,
    double MinLearningRateRatio,
    double WeightDecay,
    double MaxGradNorm,
    long Seed,
    TrainingPrecision Precision = TrainingPrecision.Fp32,
    int GradientAccumulation = 1,
    bool ActivationCheckpointing = false)
{
    /// <summary>Items per optimizer step.</summary>
    public int EffectiveBatchSize => BatchSize * GradientAccumulation;
}
