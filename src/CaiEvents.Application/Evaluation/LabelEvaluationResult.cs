namespace CaiEvents.Application.Evaluation;

/// <summary>How often a feedback model's labels preferred the harmless answer of the demo corpus's held-out comparisons.</summary>
/// <param name="MeanPHarmless">Mean probability the labels gave the harmless answer.</param>
public sealed record LabelEvaluationResult(string Model, int PrinciplesPerLabel, int Items, double HarmlessPreferredRate, double MeanPHarmless);
