namespace CaiEvents.Models;

/// <summary>Log-probability of one continuation after a prompt: summed and per token.</summary>
public sealed record ContinuationScore(string Continuation, double TotalLogProb, IReadOnlyList<double> TokenLogProbs);
