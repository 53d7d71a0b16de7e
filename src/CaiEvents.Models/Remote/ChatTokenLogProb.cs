using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>One generated token with its log-probability and the most likely tokens at its position.</summary>
internal sealed record ChatTokenLogProb
{
    [JsonPropertyName("token")] public string? Token { get; init; }
    /// <summary>Natural log; named literals such as <c>-Infinity</c> are read too (see <see cref="ChatJsonContext"/>).</summary>
    [JsonPropertyName("logprob")] public double? LogProb { get; init; }
    [JsonPropertyName("top_logprobs")] public List<ChatTopLogProb>? TopLogProbs { get; init; }
}
