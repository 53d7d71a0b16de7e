using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Response body of the chat-completions endpoint: only the fields this client reads; everything else (each server's extras)
/// is ignored.
/// </summary>
internal sealed record ChatResponseBody
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("choices")] public List<ChatChoice>? Choices { get; init; }
    [JsonPropertyName("usage")] public CompletionUsage? Usage { get; init; }
    [JsonPropertyName("system_fingerprint")] public string? SystemFingerprint { get; init; }
}
