using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>One message of a chat-completions request: <c>{"role": …, "content": …}</c>.</summary>
internal sealed record ChatRequestMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content);
