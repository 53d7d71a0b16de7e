using CaiEvents.Contracts;

namespace CaiEvents.Models;

/// <summary>Log-probability of one continuation after a prompt: summed and per token.</summary>
/// <param name="Evidence">How the score was read from a server's top log-probabilities (chat-completions labels); null when the
/// continuation was scored exactly (local models, echo scoring).</param>
public sealed record ContinuationScore(string Continuation, double TotalLogProb, IReadOnlyList<double> TokenLogProbs,
    OptionEvidence? Evidence = null);

/// <summary>
/// The evidence behind option scores read from top log-probabilities: the request as sent, the top log-probabilities as received,
/// and the probability mass that fell on the options (the options' <see cref="ContinuationScore.TotalLogProb"/> are the logs of
/// their shares of it). The same instance is attached to every option of one scoring call.
/// </summary>
/// <param name="SentRequest">The request as sent, e.g. the chat messages and the assistant prefill as JSON.</param>
/// <param name="TopLogProbs">The top log-probabilities at the answer position(s), as received.</param>
/// <param name="OptionMass">Total probability of all options among <paramref name="TopLogProbs"/> (0..1).</param>
/// <param name="Served">What the server said about itself in this response (system_fingerprint); null when nothing.</param>
public sealed record OptionEvidence(string SentRequest, IReadOnlyList<TopLogProb> TopLogProbs, double OptionMass, ServedModel? Served = null);
