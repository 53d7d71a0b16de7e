using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>A choice's <c>logprobs</c>: one entry per generated token.</summary>
internal sealed record ChatLogProbs
{
    [JsonPropertyName("content")] public List<ChatTokenLogProb>? Content { get; init; }
}
