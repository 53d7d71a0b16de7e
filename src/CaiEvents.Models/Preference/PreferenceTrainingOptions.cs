using CaiEvents.Models.Training;

namespace CaiEvents.Models.Preference;

/// <summary>Former name of <see cref="TrainingOptions"/> for <see cref="PreferenceTrainer"/>, kept for callers outside Models.</summary>
public sealed record PreferenceTrainingOptions(
    int Epochs,
    int BatchSize,
    double LearningRate,
    int WarmupSteps,
    double MinLearningRateRatio,
    double WeightDecay,
    double MaxGradNorm,
    long Seed) : TrainingOptions(Epochs, BatchSize, LearningRate, WarmupSteps, MinLearningRateRatio, WeightDecay, MaxGradNorm, Seed);
