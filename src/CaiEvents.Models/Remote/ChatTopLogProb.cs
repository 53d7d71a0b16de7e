using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>One entry of <c>top_logprobs</c>.</summary>
internal sealed record ChatTopLogProb
{
    [JsonPropertyName("token")] public string? Token { get; init; }
    [JsonPropertyName("logprob")] public double? LogProb { get; init; }
}
