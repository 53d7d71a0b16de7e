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

    private static readonly Lazy<IReadOnlyList<PromptRecord>> Default = new(
        () => Parse(InputFiles.ReadEmbedded(DefaultResourceName), DefaultSourceName));

    [GeneratedRegex(@"\A[A-Za-z0-9._:-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex KindPattern();

    /// <summary>Reads a prompt file. The path as given is used in error messages.</summary>
    public static IReadOnlyList<PromptRecord> LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(InputFiles.ReadAllBytes(path), path);
    }

    /// <summary>
    /// Opens a prompt file for a run of any size: every line validated now, each prompt read again from the file when used
    /// (<see cref="PromptFile"/>), so memory does not grow with the file. The path as given is used in error messages.
    /// </summary>
    public static PromptFile OpenFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new PromptFile(path, ParseLine);
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
        return JsonLines.Read(bytes, source, "prompts", (line, lineNumber) => ParseLine(line, source, lineNumber), r => r.Id);
    }

    private static PromptRecord ParseLine(string line, string source, int lineNumber)
    {
        InputException Error(string problem) => new(source, lineNumber, problem);

        using (JsonDocument document = JsonLines.ParseObject(line, "{\"prompt\": \"...\"}", Error))
        {
            JsonElement root = document.RootElement;
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
                        throw Error($"unknown key {JsonLines.Quote(property.Name)} (allowed: {string.Join(", ", AllowedKeys)})");
                }
            }

            if (prompt is not { } promptElement)
            {
                throw Error("missing required key 'prompt'");
            }

            string promptText = JsonLines.GetString(promptElement, "prompt", Error)
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

            string promptId = JsonLines.Id(id, lineNumber, Error);

            string? kindText = null;
            if (kind is { } kindElement && JsonLines.GetString(kindElement, "kind", Error) is { } k)
            {
                if (!KindPattern().IsMatch(k))
                {
                    throw Error($"invalid kind {JsonLines.Quote(k)}: use 1 to 64 characters from A-Z a-z 0-9 . _ : -");
                }

                kindText = k;
            }

            return new PromptRecord(lineNumber, promptId, kindText, promptText);
        }
    }
}
