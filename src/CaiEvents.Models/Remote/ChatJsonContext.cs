using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Source-generated JSON for the chat-completions wire types. Named number literals (<c>-Infinity</c>, <c>NaN</c>) are read,
/// as Python servers can write them for impossible tokens; they never reach an event (<see cref="TopLogProbOptions"/>).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ChatRequestBody))]
[JsonSerializable(typeof(ChatResponseBody))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;
