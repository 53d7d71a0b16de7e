namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// How often two principles pick the same response on the pairs both judged (pairs where either is exactly ½ are left out).
/// Null agreement: no such pair.
/// </summary>
public sealed record PrincipleAgreement(string First, string Second, int Pairs, double? Agreement);
