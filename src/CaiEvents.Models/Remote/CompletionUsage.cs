using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

internal sealed record CompletionUsage
{
    [JsonPropertyName("prompt_tokens")] public int? PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public int? CompletionTokens { get; init; }
}
