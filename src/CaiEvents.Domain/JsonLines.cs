using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CaiEvents.Domain;

/// <summary>
/// What every JSONL input file shares (prompt sets, preference imports): a leading byte order mark and CRLF line
/// ends accepted, strict UTF-8 per line, blank lines skipped, one JSON object per line, optional ids that are
/// unique within the file (default <c>line-N</c>), at least one record. Every problem is an <see cref="InputException"/>
/// naming the file and line.
/// </summary>
internal static partial class JsonLines
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    [GeneratedRegex(@"\A[A-Za-z0-9._:-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*\z", RegexOptions.CultureInvariant)]
    private static partial Regex JsonPositionSuffix();

    /// <summary>The records of a file, each parsed from its line by <paramref name="parseLine"/>; ids must be unique.</summary>
    /// <param name="what">Plural noun for the "none found" error, e.g. "prompts".</param>
    internal static IReadOnlyList<T> Read<T>(byte[] bytes, string source, string what, Func<string, int, T> parseLine, Func<T, string> idOf)
    {
        var records = new List<T>();
        using var stream = new MemoryStream(bytes, writable: false);
        Scan(stream, source, what, parseLine, idOf, (record, _) => records.Add(record));
        return records.AsReadOnly();
    }

    /// <summary>
    /// <see cref="Read{T}"/> without holding the file or its records: each record goes to <paramref name="onRecord"/> with
    /// its raw line (where it starts in the file, and how long it is), as the stream is read. Returns how many there were.
    /// </summary>
    internal static int Scan<T>(Stream stream, string source, string what, Func<string, int, T> parseLine, Func<T, string> idOf,
        Action<T, RawLine> onRecord)
    {
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        foreach (var raw in JsonLineReader.Lines(stream))
        {
            string line = InputFiles.DecodeStrict(raw.Bytes.Span, source, raw.Number);
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            T record = parseLine(line, raw.Number);
            string id = idOf(record);
            if (!firstLineOfId.TryAdd(id, raw.Number))
            {
                throw new InputException(source, raw.Number,
                    string.Create(CultureInfo.InvariantCulture, $"duplicate id '{id}' (first on line {firstLineOfId[id]})"));
            }

            onRecord(record, raw);
            count++;
        }

        if (count == 0)
        {
            throw new InputException(source, null, $"no {what} found: the file is empty or has only blank lines");
        }

        return count;
    }

    /// <summary>Parses a line that must be one JSON object (the caller disposes the document).</summary>
    /// <param name="example">Shown in the error when the line is JSON but not an object.</param>
    internal static JsonDocument ParseObject(string line, string example, Func<string, InputException> error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, JsonOptions);
        }
        catch (JsonException ex)
        {
            string detail = JsonPositionSuffix().Replace(ex.Message, "");
            string where = ex.BytePositionInLine is { } pos
                ? string.Create(CultureInfo.InvariantCulture, $" (at byte offset {pos})")
                : "";
            throw error($"invalid JSON{where}: {detail}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw error($"expected a JSON object like {example}, found {Describe(kind)}");
        }

        return document;
    }

    /// <summary>The record's id: the <c>id</c> value when present and not null, else <c>line-N</c>.</summary>
    internal static string Id(JsonElement? id, int lineNumber, Func<string, InputException> error)
    {
        if (id is { } element && GetString(element, "id", error) is { } text)
        {
            return IdPattern().IsMatch(text)
                ? text
                : throw error($"invalid id {Quote(text)}: use 1 to 128 characters from A-Z a-z 0-9 . _ : -");
        }

        return string.Create(CultureInfo.InvariantCulture, $"line-{lineNumber}");
    }

    /// <summary>The string value, or null for JSON null; anything else is an error.</summary>
    internal static string? GetString(JsonElement element, string key, Func<string, InputException> error)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            throw error($"'{key}' must be a string, found {Describe(element.ValueKind)}");
        }

        string? text;
        try
        {
            text = element.GetString();
        }
        catch (InvalidOperationException)
        {
            throw error($"'{key}' contains an invalid \\u escape (an unpaired UTF-16 surrogate)");
        }

        // It would parse, then fail deep in the event store: PostgreSQL's text and jsonb cannot hold U+0000.
        return text is not null && text.Contains('\0')
            ? throw error($"'{key}' contains a NUL character (\\u0000), which the event store (PostgreSQL) cannot hold")
            : text;
    }

    /// <summary>A value for an error message: one line, at most 60 characters, in quotes.</summary>
    internal static string Quote(string value)
    {
        string oneLine = InputException.OneLine(value);
        return oneLine.Length <= 60 ? $"'{oneLine}'" : $"'{oneLine[..57]}...'";
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
