using System.Text.Json;

namespace CaiEvents.Models.Tokenization;

/// <summary>Reading helpers for Hugging Face JSON files that turn every surprise into a one-line <see cref="CheckpointFormatException"/>.</summary>
internal static class HfJson
{
    /// <summary>Parses a file that must hold a JSON object.</summary>
    public static JsonDocument ReadObject(string path)
    {
        if (!File.Exists(path)) throw new CheckpointFormatException(path, null, "file not found");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, null, $"not valid JSON ({e.Message})");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new CheckpointFormatException(path, null, "the top level is not a JSON object");
        }
        return document;
    }

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? OptionalString(JsonElement obj, string name, string path) => Optional(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw Bad(path, name, "must be a string"),
    };

    public static bool? OptionalBool(JsonElement obj, string name, string path) => Optional(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw Bad(path, name, "must be true or false"),
    };

    public static int RequiredInt(JsonElement obj, string name, string path, string field) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && n >= 0
            ? n
            : throw Bad(path, field, "must be a non-negative integer");

    public static CheckpointFormatException Bad(string path, string field, string problem) =>
        new(path, null, $"field '{field}' {problem}");
}
