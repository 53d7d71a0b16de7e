namespace CaiEvents.Models.Training;

/// <summary>
/// The hyper-parameters of a scheduled training run, taken by both <see cref="CausalLmTrainer"/> and
/// <see cref="Preference.PreferenceTrainer"/> (and by <see cref="TrainingSchedule"/>, which they share).
/// </summary>
/// <param name="MinLearningRateRatio">Where the cosine decay ends, as a share of <paramref name="LearningRate"/>.</param>
/// <param name="Seed">Decides the batch order (<see cref="CausalLmTrainer.BatchIndices"/>).</param>
public sealed record TrainingOptions(
    int Epochs,
    int BatchSize,
    double LearningRate,
    int WarmupSteps,
    double MinLearningRateRatio,
    double WeightDecay,
    double MaxGradNorm,
    long Seed);
