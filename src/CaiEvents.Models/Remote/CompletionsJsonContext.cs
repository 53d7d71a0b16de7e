using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CompletionRequestBody))]
[JsonSerializable(typeof(CompletionResponseBody))]
internal sealed partial class CompletionsJsonContext : JsonSerializerContext;
