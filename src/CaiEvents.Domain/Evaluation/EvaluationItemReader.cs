using System.Text.Json;

namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// Reads the objects of an evaluation file as the released evaluation sets come: either one JSON list of objects
/// (the file's first character, after a byte order mark and white space, is <c>[</c>) or JSON lines. Each object is
/// returned with the line it starts on, so every later error names file and line.
/// </summary>
internal static class EvaluationItemReader
{
    public static IReadOnlyList<(int Line, JsonElement Item)> Read(byte[] bytes, string source, string example)
    {
        var start = InputFiles.BomLength(bytes);
        var body = bytes.AsSpan(start);
        var first = body.IndexOfAnyExcept(" \t\r\n"u8);
        if (first >= 0 && body[first] == (byte)'[') return ReadList(bytes, start, source, example);
        return JsonLines.Read(bytes, source, "items", (line, number) =>
        {
            using var document = JsonLines.ParseObject(line, example, problem => new InputException(source, number, problem));
            return (number, document.RootElement.Clone());
        }, r => r.number.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static IReadOnlyList<(int Line, JsonElement Item)> ReadList(byte[] bytes, int start, string source, string example)
    {
        var items = new List<(int, JsonElement)>();
        int LineAt(long offset) => 1 + bytes.AsSpan(start, (int)offset).Count((byte)'\n');
        var reader = new Utf8JsonReader(bytes.AsSpan(start), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            reader.Read(); // the opening '['
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var line = LineAt(reader.TokenStartIndex);
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw new InputException(source, line, $"expected a JSON object like {example} in the list, found {reader.TokenType}");
                using var document = JsonDocument.ParseValue(ref reader);
                items.Add((line, document.RootElement.Clone()));
            }
            if (reader.TokenType != JsonTokenType.EndArray) throw new InputException(source, LineAt(reader.BytesConsumed), "the JSON list is not closed");
            if (reader.Read()) throw new InputException(source, LineAt(reader.TokenStartIndex), "text after the end of the JSON list");
        }
        catch (JsonException e)
        {
            throw new InputException(source, (int)(e.LineNumber ?? 0) + 1, "invalid JSON: " + (e.Message.Split(" LineNumber:")[0]));
        }
        if (items.Count == 0) throw new InputException(source, null, "no items found: the JSON list is empty");
        return items;
    }

    /// <summary>A required non-empty string field.</summary>
    public static string Text(JsonElement item, string key, Func<string, InputException> error) =>
        item.TryGetProperty(key, out var value) && JsonLines.GetString(value, key, error) is { } text && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw error($"'{key}' is required and must be a non-empty string");

    /// <summary>A required non-empty list of non-empty strings.</summary>
    public static IReadOnlyList<string> Texts(JsonElement item, string key, Func<string, InputException> error)
    {
        if (!item.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            throw error($"'{key}' is required and must be a non-empty list of strings");
        var texts = new List<string>();
        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            var at = $"{key}[{index++}]";
            texts.Add(JsonLines.GetString(element, at, error) is { Length: > 0 } text ? text : throw error($"'{at}' must be a non-empty string"));
        }
        return texts;
    }

    /// <summary>Rejects keys outside <paramref name="allowed"/>, naming them.</summary>
    public static void OnlyKeys(JsonElement item, IReadOnlyCollection<string> allowed, Func<string, InputException> error)
    {
        foreach (var property in item.EnumerateObject())
            if (!allowed.Contains(property.Name))
                throw error($"unknown key {JsonLines.Quote(property.Name)} (allowed: {string.Join(", ", allowed)})");
    }
}
