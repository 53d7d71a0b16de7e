namespace CaiEvents.Domain.Evaluation;

/// <summary>One human judgement for evaluation: for <see cref="Prompt"/>, <see cref="Chosen"/> was preferred over <see cref="Rejected"/>.</summary>
/// <param name="Line">Line of the file the item starts on.</param>
public sealed record HumanComparison(int Line, string Prompt, string Chosen, string Rejected);
