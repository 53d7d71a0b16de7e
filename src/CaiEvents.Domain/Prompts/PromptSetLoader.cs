using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CaiEvents.Domain.Prompts;

/// <summary>One prompt from a prompt set.</summary>
/// <param name="LineNumber">1-based line of the prompt in its file.</param>
/// <param name="Id">The <c>id</c> from the file, or <c>line-{LineNumber}</c> when absent.</param>
/// <param name="Kind">Optional free label such as <c>red-team</c> or <c>helpful</c>.</param>
/// <param name="Prompt">The prompt text, exactly as decoded from JSON.</param>
public sealed record PromptRecord(int LineNumber, string Id, string? Kind, string Prompt);

/// <summary>
/// Loads prompt sets in JSONL: one object per line, <c>{"prompt": "...", "id": "optional", "kind": "optional"}</c>;
/// blank lines are skipped, a leading UTF-8 byte order mark and CRLF line ends are accepted.
/// Every problem becomes an <see cref="InputException"/> naming the file and line.
/// </summary>
public static partial class PromptSetLoader
{
    /// <summary>Largest allowed prompt, in UTF-8 bytes.</summary>
    public const int MaxPromptBytes = 65536;

    /// <summary>Manifest name of the default prompt set embedded in this assembly.</summary>
    public const string DefaultResourceName = "CaiEvents.Domain.default-prompts.jsonl";

    /// <summary>Name used in error messages for the embedded default (its path in the repository).</summary>
    public const string DefaultSourceName = "src/CaiEvents.Domain/Data/prompts/default.jsonl";

    private static readonly string[] AllowedKeys = ["prompt", "id", "kind"];

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly Lazy<IReadOnlyList<PromptRecord>> Default = new(
        () => Parse(InputFiles.ReadEmbedded(DefaultResourceName), DefaultSourceName));

    [GeneratedRegex(@"\A[A-Za-z0-9._:-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"\A[A-Za-z0-9._:-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex KindPattern();

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*\z", RegexOptions.CultureInvariant)]
    private static partial Regex JsonPositionSuffix();

    /// <summary>Reads a prompt file. The path as given is used in error messages.</summary>
    public static IReadOnlyList<PromptRecord> LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(InputFiles.ReadAllBytes(path), path);
    }

    /// <summary>Parses a UTF-8 JSONL prompt set from <paramref name="utf8"/> (read to its end, not disposed).</summary>
    public static IReadOnlyList<PromptRecord> Parse(Stream utf8, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Parse(InputFiles.ReadAll(utf8), sourceName);
    }

    /// <summary>The default prompt set, embedded in this assembly (works from any working directory).</summary>
    public static IReadOnlyList<PromptRecord> LoadDefault() => Default.Value;

    private static IReadOnlyList<PromptRecord> Parse(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var records = new List<PromptRecord>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);

        ReadOnlySpan<byte> rest = bytes.AsSpan(InputFiles.BomLength(bytes));
        int lineNumber = 0;
        while (!rest.IsEmpty)
        {
            lineNumber++;
            int newline = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> lineBytes = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? [] : rest[(newline + 1)..];
            if (lineBytes.EndsWith((ReadOnlySpan<byte>)[(byte)'\r']))
            {
                lineBytes = lineBytes[..^1];
            }

            string line = InputFiles.DecodeStrict(lineBytes, source, lineNumber);
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            PromptRecord record = ParseLine(line, source, lineNumber);
            if (!firstLineOfId.TryAdd(record.Id, lineNumber))
            {
                throw new InputException(source, lineNumber,
                    string.Create(CultureInfo.InvariantCulture, $"duplicate id '{record.Id}' (first on line {firstLineOfId[record.Id]})"));
            }

            records.Add(record);
        }

        if (records.Count == 0)
        {
            throw new InputException(source, null, "no prompts found: the file is empty or has only blank lines");
        }

        return records.AsReadOnly();
    }

    private static PromptRecord ParseLine(string line, string source, int lineNumber)
    {
        InputException Error(string problem) => new(source, lineNumber, problem);

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
            throw Error($"invalid JSON{where}: {detail}");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error($"expected a JSON object like {{\"prompt\": \"...\"}}, found {Describe(root.ValueKind)}");
            }

            JsonElement? prompt = null, id = null, kind = null;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "prompt" when prompt is null:
                        prompt = property.Value;
                        break;
                    case "id" when id is null:
                        id = property.Value;
                        break;
                    case "kind" when kind is null:
                        kind = property.Value;
                        break;
                    case "prompt" or "id" or "kind":
                        throw Error($"duplicate key '{property.Name}'");
                    default:
                        throw Error($"unknown key {Quote(property.Name)} (allowed: {string.Join(", ", AllowedKeys)})");
                }
            }

            if (prompt is not { } promptElement)
            {
                throw Error("missing required key 'prompt'");
            }

            string promptText = GetString(promptElement, "prompt", Error)
                ?? throw Error("'prompt' must be a string, found null");
            if (string.IsNullOrWhiteSpace(promptText))
            {
                throw Error("'prompt' is empty or only whitespace");
            }

            int size = Encoding.UTF8.GetByteCount(promptText);
            if (size > MaxPromptBytes)
            {
                throw Error(string.Create(CultureInfo.InvariantCulture,
                    $"'prompt' is {size} bytes of UTF-8, over the limit of {MaxPromptBytes} bytes"));
            }

            string promptId = string.Create(CultureInfo.InvariantCulture, $"line-{lineNumber}");
            if (id is { } idElement && GetString(idElement, "id", Error) is { } idText)
            {
                if (!IdPattern().IsMatch(idText))
                {
                    throw Error($"invalid id {Quote(idText)}: use 1 to 128 characters from A-Z a-z 0-9 . _ : -");
                }

                promptId = idText;
            }

            string? kindText = null;
            if (kind is { } kindElement && GetString(kindElement, "kind", Error) is { } k)
            {
                if (!KindPattern().IsMatch(k))
                {
                    throw Error($"invalid kind {Quote(k)}: use 1 to 64 characters from A-Z a-z 0-9 . _ : -");
                }

                kindText = k;
            }

            return new PromptRecord(lineNumber, promptId, kindText, promptText);
        }
    }

    /// <summary>The string value, or null for JSON null; anything else is an error.</summary>
    private static string? GetString(JsonElement element, string key, Func<string, InputException> error)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            throw error($"'{key}' must be a string, found {Describe(element.ValueKind)}");
        }

        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            throw error($"'{key}' contains an invalid \\u escape (an unpaired UTF-16 surrogate)");
        }
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

    private static string Quote(string value)
    {
        string oneLine = InputException.OneLine(value);
        return oneLine.Length <= 60 ? $"'{oneLine}'" : $"'{oneLine[..57]}...'";
    }
}
