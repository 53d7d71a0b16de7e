using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CaiEvents.Domain.Prompts;

/// <summary>
/// Builds a prompt set from HH-RLHF transcripts (<c>{"chosen": "\n\nHuman: …\n\nAssistant: …", "rejected": "…"}</c> per line):
/// the first or last human turn of each <c>chosen</c> transcript (the conversation both transcripts share), without the one
/// space after <c>"Human:"</c> and trimmed of surrounding whitespace. Identical prompts are kept once, under the line where
/// they first appear (id <c>line-N</c>). The file rules are those of every JSONL input (see <see cref="PromptSetLoader"/>);
/// every problem is one <see cref="InputException"/> naming the file and line.
/// </summary>
public static class TranscriptPromptExtractor
{
    private const string HumanTurn = "\n\nHuman:";
    private const string AssistantTurn = "\n\nAssistant:";

    private static readonly string[] AllowedKeys = ["chosen", "rejected"];

    /// <summary>Readable UTF-8 output (quotes and non-ASCII text kept as they are), as the dataset exports write.</summary>
    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads a transcript file. The path as given is used in error messages.</summary>
    public static TranscriptPromptSet LoadFile(string path, TranscriptTurn turn)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Extract(InputFiles.ReadAllBytes(path), path, turn);
    }

    /// <summary>Parses UTF-8 JSONL transcripts from <paramref name="utf8"/> (read to its end, not disposed).</summary>
    public static TranscriptPromptSet Parse(Stream utf8, string sourceName, TranscriptTurn turn)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Extract(InputFiles.ReadAll(utf8), sourceName, turn);
    }

    /// <summary>The prompt set as JSONL in the shape <see cref="PromptSetLoader"/> reads: <c>{"id": "line-N", "prompt": "…"}</c> per line.</summary>
    public static string ToJsonl(IEnumerable<PromptRecord> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var text = new StringBuilder();
        foreach (PromptRecord p in prompts)
        {
            text.Append(JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = p.Id, ["prompt"] = p.Prompt }, WriteOptions)).Append('\n');
        }

        return text.ToString();
    }

    private static TranscriptPromptSet Extract(byte[] bytes, string source, TranscriptTurn turn)
    {
        var lines = JsonLines.Read(bytes, source, "transcripts", (line, lineNumber) => ParseLine(line, source, lineNumber, turn), p => p.Id);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var prompts = lines.Where(p => seen.Add(p.Prompt)).ToList();
        return new TranscriptPromptSet(prompts.AsReadOnly(), lines.Count - prompts.Count);
    }

    private static PromptRecord ParseLine(string line, string source, int lineNumber, TranscriptTurn turn)
    {
        InputException Error(string problem) => new(source, lineNumber, problem);

        using JsonDocument document = JsonLines.ParseObject(line, "{\"chosen\": \"\\n\\nHuman: ...\\n\\nAssistant: ...\", \"rejected\": \"...\"}", Error);
        string? chosen = null;
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (Array.IndexOf(AllowedKeys, property.Name) < 0)
            {
                throw Error($"unknown key {JsonLines.Quote(property.Name)} (allowed: {string.Join(", ", AllowedKeys)})");
            }

            string text = JsonLines.GetString(property.Value, property.Name, Error) ?? throw Error($"'{property.Name}' must be a string, found null");
            if (property.Name == "chosen")
            {
                chosen = chosen is null ? text : throw Error("duplicate key 'chosen'");
            }
        }

        if (chosen is null)
        {
            throw Error("missing required key 'chosen'");
        }

        string transcript = chosen.StartsWith("Human:", StringComparison.Ordinal) ? "\n\n" + chosen : chosen;
        int start = turn == TranscriptTurn.First
            ? transcript.IndexOf(HumanTurn, StringComparison.Ordinal)
            : transcript.LastIndexOf(HumanTurn, StringComparison.Ordinal);
        if (start < 0)
        {
            throw Error("'chosen' has no \"Human:\" turn; expected an HH-RLHF transcript \"\\n\\nHuman: ...\\n\\nAssistant: ...\"");
        }

        start += HumanTurn.Length;
        int end = NextTurn(transcript, start);
        string prompt = transcript[start..end].Trim();
        string which = turn == TranscriptTurn.First ? "first" : "last";
        if (prompt.Length == 0)
        {
            throw Error($"the {which} human turn in 'chosen' is empty or only whitespace");
        }

        int size = Encoding.UTF8.GetByteCount(prompt);
        if (size > PromptSetLoader.MaxPromptBytes)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture,
                $"the {which} human turn is {size} bytes of UTF-8, over the prompt limit of {PromptSetLoader.MaxPromptBytes} bytes"));
        }

        return new PromptRecord(lineNumber, string.Create(CultureInfo.InvariantCulture, $"line-{lineNumber}"), null, prompt);
    }

    /// <summary>Where the turn starting at <paramref name="from"/> ends: at the next turn marker, or at the end of the text.</summary>
    private static int NextTurn(string transcript, int from)
    {
        int assistant = transcript.IndexOf(AssistantTurn, from, StringComparison.Ordinal);
        int human = transcript.IndexOf(HumanTurn, from, StringComparison.Ordinal);
        return (assistant, human) switch
        {
            (< 0, < 0) => transcript.Length,
            (< 0, _) => human,
            (_, < 0) => assistant,
            _ => Math.Min(assistant, human),
        };
    }
}
