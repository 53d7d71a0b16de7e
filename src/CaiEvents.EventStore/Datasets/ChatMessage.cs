using System.Text.Json.Serialization;

namespace CaiEvents.EventStore.Datasets;

/// <summary>One message of a conversational row (TRL's <c>{"role", "content"}</c>); a class with setters so Parquet.Net can read it back.</summary>
public sealed class ChatMessage
{
    [JsonPropertyName("role")] public string Role { get; set; } = "";
    [JsonPropertyName("content")] public string? Content { get; set; }

    public static List<ChatMessage> User(string? content) => [new() { Role = "user", Content = content }];
    public static List<ChatMessage> Assistant(string? content) => [new() { Role = "assistant", Content = content }];
}
