using System.Text.Encodings.Web;
using System.Text.Json;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// The text form of a conversation for a model whose server applies its own chat template (chat-completions servers): the
/// messages as one JSON array (<c>[{"role":…,"content":…},…]</c>, compact, readable Unicode), then, where a role continues the
/// assistant's turn (the feedback question's <c>The answer is:</c>), that prefill as plain text after the array.
/// The roles render prompts as text (<see cref="ChatTemplate.Render"/>, which events record), so this form is what an audit shows
/// for such a model, and <see cref="Decode"/> gives the server the messages back exactly.
/// </summary>
public static class ServerChatMessages
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // readable in the audit; it is never embedded in HTML unescaped
        WriteIndented = false,
    };

    /// <summary>The messages as a compact JSON array of <c>{"role","content"}</c> objects.</summary>
    public static string Encode(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return JsonSerializer.Serialize(messages.Select(m => new WireMessage(m.Role, m.Content)).ToList(), Json);
    }

    /// <summary>
    /// The messages and the assistant prefill ("" when none) of a text made by <see cref="Encode"/> plus an optional prefill.
    /// </summary>
    /// <exception cref="FormatException">The text does not start with a JSON array of messages.</exception>
    public static (IReadOnlyList<ChatMessage> Messages, string Prefill) Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes);
        List<WireMessage>? wire;
        try
        {
            wire = JsonSerializer.Deserialize<List<WireMessage>>(ref reader, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a chat-messages prompt (a JSON array of role/content objects first): {e.Message}", e);
        }
        if (wire is null || wire.Count == 0 || wire.Any(m => m.Role is null || m.Content is null))
            throw new FormatException("not a chat-messages prompt: the JSON array is empty or has a message without role or content");
        var prefill = System.Text.Encoding.UTF8.GetString(bytes, (int)reader.BytesConsumed, bytes.Length - (int)reader.BytesConsumed);
        return (wire.Select(m => new ChatMessage(m.Role!, m.Content!)).ToList(), prefill);
    }

    private sealed record WireMessage(
        [property: System.Text.Json.Serialization.JsonPropertyName("role")] string? Role,
        [property: System.Text.Json.Serialization.JsonPropertyName("content")] string? Content);
}
