namespace CaiEvents.Models.Training;

/// <summary>What one <see cref="CausalLmTrainer.TrainStep"/> measured.</summary>
public sealed record TrainingStepMetrics(int Step, double Loss, double LearningRate, double GradNorm, long TargetTokens, long InputTokens);
