using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

internal sealed record ChatResponseMessage
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    /// <summary>Null in OpenAI's shape when the answer is a refusal or tool call only.</summary>
    [JsonPropertyName("content")] public string? Content { get; init; }
}
