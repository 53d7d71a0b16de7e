using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Source-generated JSON for the chat-completions wire types. Named number literals written as strings (<c>"-Infinity"</c>,
/// <c>"NaN"</c>) are read; they never reach an event (<see cref="TopLogProbOptions"/>). Bare <c>-Infinity</c> is not JSON
/// and fails the response.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ChatRequestBody))]
[JsonSerializable(typeof(ChatResponseBody))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;
