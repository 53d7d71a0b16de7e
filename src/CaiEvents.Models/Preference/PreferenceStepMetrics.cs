namespace CaiEvents.Models.Preference;

/// <summary>What one <see cref="PreferenceTrainer.TrainStep"/> measured.</summary>
/// <param name="Accuracy">Share of the batch's pairs (with a side, p ≠ ½) ranked the way their target says.</param>
public sealed record PreferenceStepMetrics(int Step, double Loss, double Accuracy, double LearningRate, double GradNorm, int Pairs, long Tokens);
