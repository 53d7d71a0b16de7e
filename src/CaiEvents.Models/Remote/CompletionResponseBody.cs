using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Response body of the OpenAI-compatible legacy completions endpoint: only the fields this client reads;
/// everything else in a response is ignored.
/// </summary>
internal sealed record CompletionResponseBody
{
    [JsonPropertyName("choices")] public List<CompletionChoice>? Choices { get; init; }
    [JsonPropertyName("usage")] public CompletionUsage? Usage { get; init; }
}
