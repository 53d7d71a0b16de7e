namespace CaiEvents.Models.Training;

/// <summary>Former name of <see cref="TrainingOptions"/> for <see cref="CausalLmTrainer"/>, kept for callers outside Models.</summary>
public sealed record CausalLmTrainingOptions(
    int Epochs,
    int BatchSize,
    double LearningRate,
    int WarmupSteps,
    double MinLearningRateRatio,
    double WeightDecay,
    double MaxGradNorm,
    long Seed) : TrainingOptions(Epochs, BatchSize, LearningRate, WarmupSteps, MinLearningRateRatio, WeightDecay, MaxGradNorm, Seed);
