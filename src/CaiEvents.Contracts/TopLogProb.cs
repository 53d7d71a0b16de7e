namespace CaiEvents.Contracts;

/// <summary>One entry of a server's <c>top_logprobs</c> at a generated position: the token's text and its natural-log probability.</summary>
public sealed record TopLogProb(string Token, double LogProb);
