using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CaiEvents.Domain.Preferences;

/// <summary>One human-labelled comparison: for <see cref="Prompt"/>, <see cref="Chosen"/> was preferred over <see cref="Rejected"/>.</summary>
/// <param name="LineNumber">1-based line of the comparison in its file.</param>
/// <param name="Id">The <c>id</c> from the file, or <c>line-{LineNumber}</c> when absent.</param>
/// <param name="Prompt">The prompt (or, for a multi-turn transcript, the conversation before the final assistant turn).</param>
/// <param name="Chosen">The preferred reply.</param>
/// <param name="Rejected">The dispreferred reply.</param>
public sealed record ImportedPreference(int LineNumber, string Id, string Prompt, string Chosen, string Rejected);

/// <summary>
/// Loads human-labelled preference comparisons from JSONL, one object per line, in either of two shapes:
/// <list type="bullet">
/// <item><c>{"prompt": "...", "chosen": "...", "rejected": "...", "id": "optional"}</c>: texts taken exactly as decoded.</item>
/// <item>The Anthropic HH-RLHF shape <c>{"chosen": "\n\nHuman: …\n\nAssistant: …", "rejected": "…"}</c> (no <c>prompt</c>):
/// both transcripts must be identical up to and including their last <c>"\n\nAssistant:"</c>; the text after it
/// (less one leading space) is the reply. For a single-turn transcript the prompt is the human message
/// (the text between <c>"Human: "</c> and the final <c>"\n\nAssistant:"</c>); for a multi-turn transcript it is the
/// earlier conversation verbatim (<c>"Human: …\n\nAssistant: …\n\nHuman: …"</c>, only the leading <c>"\n\n"</c> dropped).</item>
/// </list>
/// Blank lines are skipped; a leading UTF-8 byte order mark and CRLF line ends are accepted.
/// Every problem becomes an <see cref="InputException"/> naming the file and line. Three problems make a well-formed
/// line unusable rather than malformed (the public HH-RLHF splits have them): an empty final reply, conversation prefixes
/// that differ between the two transcripts, and identical texts. <see cref="LoadFileWithUnusableRows"/> returns those
/// lines apart instead of failing on them; malformed lines fail either way.
/// </summary>
public static class PreferenceImportLoader
{
    /// <summary>Largest allowed text field (<c>prompt</c>, <c>chosen</c> or <c>rejected</c> as written in the file), in UTF-8 bytes.</summary>
    public const int MaxFieldBytes = 262144;

    private const string HumanTurn = "\n\nHuman:";
    private const string AssistantTurn = "\n\nAssistant:";

    private static readonly string[] AllowedKeys = ["prompt", "chosen", "rejected", "id"];


    /// <summary>Reads a comparison file. The path as given is used in error messages; an unusable line is an error too.</summary>
    public static IReadOnlyList<ImportedPreference> LoadFile(string path) => Strict(LoadFileWithUnusableRows(path), path);

    /// <summary>Parses UTF-8 JSONL comparisons from <paramref name="utf8"/> (read to its end, not disposed); an unusable line is an error.</summary>
    public static IReadOnlyList<ImportedPreference> Parse(Stream utf8, string sourceName) =>
        Strict(ParseWithUnusableRows(utf8, sourceName), sourceName);

    /// <summary>Reads a comparison file, returning unusable lines apart from the records; malformed lines still throw.</summary>
    public static LoadedPreferenceFile LoadFileWithUnusableRows(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(InputFiles.ReadAllBytes(path), path);
    }

    /// <summary>Parses UTF-8 JSONL comparisons, returning unusable lines apart from the records; malformed lines still throw.</summary>
    public static LoadedPreferenceFile ParseWithUnusableRows(Stream utf8, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Load(InputFiles.ReadAll(utf8), sourceName);
    }

    private static IReadOnlyList<ImportedPreference> Strict(LoadedPreferenceFile file, string source) =>
        file.Unusable.Count == 0 ? file.Records : throw new InputException(source, file.Unusable[0].LineNumber, file.Unusable[0].Reason);

    private static LoadedPreferenceFile Load(byte[] bytes, string source)
    {
        var rows = JsonLines.Read(bytes, source, "comparisons", (line, lineNumber) => ParseLine(line, source, lineNumber), r => r.Id);
        return new LoadedPreferenceFile(
            [.. rows.Where(r => r.Reason is null).Select(r => new ImportedPreference(r.LineNumber, r.Id, r.Prompt, r.Chosen, r.Rejected))],
            [.. rows.Where(r => r.Reason is not null).Select(r => new UnusablePreferenceRow(r.LineNumber, r.Id, r.Reason!))],
            Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>A parsed line: a comparison, or (with <see cref="Reason"/> set) a well-formed line that cannot be used.</summary>
    private sealed record Row(int LineNumber, string Id, string Prompt, string Chosen, string Rejected, string? Reason);

    private static Row ParseLine(string line, string source, int lineNumber)
    {
        InputException Error(string problem) => new(source, lineNumber, problem);

        using (JsonDocument document = JsonLines.ParseObject(line, "{\"prompt\": \"...\", \"chosen\": \"...\", \"rejected\": \"...\"}", Error))
        {
            JsonElement root = document.RootElement;
            var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (Array.IndexOf(AllowedKeys, property.Name) < 0)
                {
                    throw Error($"unknown key {JsonLines.Quote(property.Name)} (allowed: {string.Join(", ", AllowedKeys)})");
                }

                if (!values.TryAdd(property.Name, property.Value))
                {
                    throw Error($"duplicate key '{property.Name}'");
                }
            }

            string chosen = RequiredText(values, "chosen", Error);
            string rejected = RequiredText(values, "rejected", Error);
            string prompt;
            string? unusable = null;
            if (values.ContainsKey("prompt"))
            {
                prompt = RequiredText(values, "prompt", Error);
            }
            else
            {
                (prompt, chosen, rejected, unusable) = SplitTranscripts(chosen, rejected, Error);
            }

            if (unusable is null && string.Equals(chosen, rejected, StringComparison.Ordinal))
            {
                unusable = "'chosen' and 'rejected' are identical, so the line carries no preference";
            }

            string id = JsonLines.Id(values.TryGetValue("id", out JsonElement idElement) ? idElement : null, lineNumber, Error);

            return new Row(lineNumber, id, prompt, chosen, rejected, unusable);
        }
    }

    /// <summary>
    /// Splits two HH-RLHF transcripts into the shared prompt and the two final assistant replies; the last item is why
    /// the line is unusable (differing prefixes, an empty reply), or null. Transcripts of the wrong shape throw.
    /// </summary>
    internal static (string Prompt, string Chosen, string Rejected, string? Unusable) SplitTranscripts(
        string chosen, string rejected, Func<string, InputException> error)
    {
        int chosenCut = FinalAssistantTurn(chosen, "chosen", error);
        int rejectedCut = FinalAssistantTurn(rejected, "rejected", error);
        ReadOnlySpan<char> chosenPrefix = chosen.AsSpan(0, chosenCut);
        ReadOnlySpan<char> rejectedPrefix = rejected.AsSpan(0, rejectedCut);
        if (!chosenPrefix.SequenceEqual(rejectedPrefix))
        {
            int differ = chosenPrefix.CommonPrefixLength(rejectedPrefix);
            return ("", chosen, rejected, string.Create(CultureInfo.InvariantCulture,
                    $"'chosen' and 'rejected' transcripts differ before their final \"Assistant:\" turn (first difference at character {differ}); ")
                + "without a 'prompt' key both must share the conversation up to that turn");
        }

        string conversation = chosen[..chosenCut];
        string body = conversation.StartsWith("\n\n", StringComparison.Ordinal) ? conversation[2..] : conversation;
        if (!body.StartsWith("Human:", StringComparison.Ordinal))
        {
            throw error("without a 'prompt' key 'chosen' and 'rejected' must be HH-RLHF transcripts starting with \"\\n\\nHuman:\"");
        }

        bool multiTurn = body.Contains(AssistantTurn, StringComparison.Ordinal) || body.Contains(HumanTurn, StringComparison.Ordinal);
        string prompt = multiTurn ? body : StripOneSpace(body["Human:".Length..]);
        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw error("the human turn before the final \"Assistant:\" turn is empty");
        }

        string chosenReply = StripOneSpace(chosen[(chosenCut + AssistantTurn.Length)..]);
        string rejectedReply = StripOneSpace(rejected[(rejectedCut + AssistantTurn.Length)..]);
        string? unusable = string.IsNullOrWhiteSpace(chosenReply) ? "the final \"Assistant:\" reply in 'chosen' is empty or only whitespace"
            : string.IsNullOrWhiteSpace(rejectedReply) ? "the final \"Assistant:\" reply in 'rejected' is empty or only whitespace"
            : null;
        return (prompt, chosenReply, rejectedReply, unusable);
    }

    private static int FinalAssistantTurn(string transcript, string key, Func<string, InputException> error)
    {
        int cut = transcript.LastIndexOf(AssistantTurn, StringComparison.Ordinal);
        return cut >= 0
            ? cut
            : throw error($"without a 'prompt' key '{key}' must be an HH-RLHF transcript ending in a \"\\n\\nAssistant:\" turn");
    }

    private static string StripOneSpace(string text) => text.StartsWith(' ') ? text[1..] : text;

    private static string RequiredText(Dictionary<string, JsonElement> values, string key, Func<string, InputException> error)
    {
        if (!values.TryGetValue(key, out JsonElement element))
        {
            throw error($"missing required key '{key}'");
        }

        string text = JsonLines.GetString(element, key, error) ?? throw error($"'{key}' must be a string, found null");
        if (string.IsNullOrWhiteSpace(text))
        {
            throw error($"'{key}' is empty or only whitespace");
        }

        int size = Encoding.UTF8.GetByteCount(text);
        if (size > MaxFieldBytes)
        {
            throw error(string.Create(CultureInfo.InvariantCulture,
                $"'{key}' is {size} bytes of UTF-8, over the limit of {MaxFieldBytes} bytes"));
        }

        return text;
    }
}
