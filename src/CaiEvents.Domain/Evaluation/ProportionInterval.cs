namespace CaiEvents.Domain.Evaluation;

/// <summary>A confidence interval for a proportion, both ends in [0, 1].</summary>
public sealed record ProportionInterval(double Low, double High);
