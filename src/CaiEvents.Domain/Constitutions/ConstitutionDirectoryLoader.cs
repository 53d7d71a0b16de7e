using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CaiEvents.Domain.Constitutions;

/// <summary>
/// Reads a constitution given as a directory of JSON files in the shapes of the paper's released prompts, each recognised by its
/// shape: critique/revision instructions (an object mapping a name to <c>{"prompt": [critique request, ...], "edit_request": ...}</c>),
/// comparison principles (a list of strings ending in <c>Options:</c>), critique/revision few-shot dialogues (a list of transcript
/// strings) and feedback few-shot examples (a list of <c>{"prompt", "corrects", "incorrects"}</c>). The result is written as this
/// project's YAML (<see cref="ConstitutionYamlWriter"/>) and parsed back, so the run's snapshot is one text whose hash covers every
/// file's content and which workers parse like any YAML constitution. Errors name the file and the key or index, on one line.
/// </summary>
public static partial class ConstitutionDirectoryLoader
{
    private const string InstructionsShape = "{\"name\": {\"prompt\": [critique request, ...], \"edit_request\": revision request}}";
    private const string OptionsSuffix = "Options:";

    private static readonly JsonDocumentOptions JsonOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 };

    [GeneratedRegex(@"[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonIdCharacters();

    [GeneratedRegex(@"\s*(LineNumber|Path): .*\z", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex JsonPositionSuffix();

    /// <summary>Loads the directory at <paramref name="directory"/> (its top-level <c>*.json</c> files, in ordinal name order).</summary>
    public static Constitution Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string[] files;
        try
        {
            files = Directory.GetFiles(directory, "*.json", SearchOption.TopDirectoryOnly);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InputException(directory, null, "cannot read directory: " + ex.Message);
        }

        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
        {
            throw new InputException(directory, null,
                "no .json files here; a constitution directory holds critique/revision instructions, comparison principles and optional few-shot files");
        }

        var builder = new Builder();
        foreach (string file in files)
        {
            string text = InputFiles.DecodeStrictFile(InputFiles.ReadAllBytes(file), file);
            builder.Files.Add((Path.GetFileName(file), Constitution.ComputeContentHash(text)));
            using JsonDocument document = ParseJson(text, file);
            Classify(document.RootElement, file, builder);
        }

        if (builder.Principles.Count == 0)
        {
            throw new InputException(directory, null, $"no critique/revision instructions file (a JSON object like {InstructionsShape})");
        }

        if (builder.Comparisons.Count == 0)
        {
            throw new InputException(directory, null, "no comparison principles file (a JSON list of strings, each ending in 'Options:')");
        }

        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        string id = Slug(name) is { Length: > 0 } slug ? slug : "json-constitution";
        string description = "Read from the JSON files " + string.Join(", ", builder.Files.Select(f => f.Name)) + " in the directory " + name + ".";
        var draft = new Constitution(id, 1, description, builder.Principles, builder.Comparisons, "", "")
        {
            CritiqueRevisionExamples = builder.CritiqueExamples,
            FeedbackExamples = builder.FeedbackExamples,
        };
        string yaml = ConstitutionYamlWriter.Write(draft, builder.Files.Select(f => $"{f.Name} sha256:{f.Hash}").ToList());
        return ConstitutionLoader.Parse(yaml, directory);
    }

    private sealed class Builder
    {
        public List<(string Name, string Hash)> Files { get; } = [];
        public List<CritiqueRevisionPrinciple> Principles { get; } = [];
        public List<ComparisonPrinciple> Comparisons { get; } = [];
        public List<CritiqueRevisionExample> CritiqueExamples { get; } = [];
        public List<FeedbackExample> FeedbackExamples { get; } = [];
        public Dictionary<string, string> Ids { get; } = new(StringComparer.Ordinal);

        /// <summary>Claims an id for the entry at <paramref name="where"/> of <paramref name="file"/>; ids are unique across all files.</summary>
        public string Claim(string id, string file, string where)
        {
            if (!Ids.TryAdd(id, $"{Path.GetFileName(file)} {where}"))
            {
                throw new InputException(file, null, $"{where}: its id '{id}' is already taken by {Ids[id]}");
            }

            return id;
        }
    }

    private static JsonDocument ParseJson(string text, string file)
    {
        try
        {
            return JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException ex)
        {
            string detail = JsonPositionSuffix().Replace(ex.Message, "");
            int? line = ex.LineNumber is { } l ? (int)Math.Min(l + 1, int.MaxValue) : null;
            throw new InputException(file, line, "invalid JSON: " + detail);
        }
    }

    private static void Classify(JsonElement root, string file, Builder builder)
    {
        string stem = Slug(Path.GetFileNameWithoutExtension(file)) is { Length: > 0 } s ? s : "file";
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                ReadInstructions(root, file, builder);
                return;
            case JsonValueKind.Array when root.GetArrayLength() == 0:
                throw new InputException(file, null, "the list is empty, so its kind cannot be told (principles or few-shot examples?)");
            case JsonValueKind.Array when root[0].ValueKind == JsonValueKind.Object:
                ReadFeedbackExamples(root, file, stem, builder);
                return;
            case JsonValueKind.Array when root[0].ValueKind == JsonValueKind.String:
                bool dialogues = DialogueTranscripts.Split(Text(root[0], file, "[0]"), out _)
                    .Any(t => t.Label == DialogueTranscripts.CritiqueRequest);
                if (dialogues) ReadCritiqueExamples(root, file, stem, builder);
                else ReadComparisons(root, file, stem, builder);
                return;
            default:
                throw new InputException(file, null,
                    $"not a constitution file: expected an object like {InstructionsShape}, or a list of strings or of {{\"prompt\", \"corrects\", "
                    + $"\"incorrects\"}} objects, found {Describe(root)}{(root.ValueKind == JsonValueKind.Array ? " items" : "")}");
        }
    }

    private static void ReadInstructions(JsonElement root, string file, Builder builder)
    {
        int count = 0;
        foreach (JsonProperty entry in root.EnumerateObject())
        {
            count++;
            string key = Quoted(entry.Name);
            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                throw new InputException(file, null,
                    $"{key}: expected {{\"prompt\": [critique request, ...], \"edit_request\": ...}}, found {Describe(entry.Value)}");
            }

            foreach (JsonProperty field in entry.Value.EnumerateObject())
            {
                if (field.Name is not ("prompt" or "edit_request"))
                {
                    throw new InputException(file, null, $"{key}: unknown key {Quoted(field.Name)} (allowed: prompt, edit_request)");
                }
            }

            if (!entry.Value.TryGetProperty("edit_request", out JsonElement edit))
            {
                throw new InputException(file, null, $"{key}: missing required field 'edit_request'");
            }

            string revision = Text(edit, file, $"{key}.edit_request");
            IReadOnlyList<string> critiques = entry.Value.TryGetProperty("prompt", out JsonElement prompt)
                ? prompt.ValueKind == JsonValueKind.Array
                    ? prompt.EnumerateArray().Select((c, i) => Text(c, file, Invariant($"{key}.prompt[{i}]"))).ToList()
                    : throw new InputException(file, null, $"{key}.prompt: expected a list of critique requests, found {Describe(prompt)}")
                : throw new InputException(file, null, $"{key}: missing required field 'prompt'");
            if (critiques.Count == 0) throw new InputException(file, null, $"{key}.prompt: the list is empty; at least one critique request is required");
            string slug = Slug(entry.Name);
            if (slug.Length == 0) throw new InputException(file, null, $"{key}: the name has no letters or digits to make an id from");
            for (int i = 0; i < critiques.Count; i++)
            {
                string id = critiques.Count == 1 ? slug : Invariant($"{slug}-{i}");
                builder.Principles.Add(new CritiqueRevisionPrinciple(builder.Claim(id, file, critiques.Count == 1 ? key : Invariant($"{key}.prompt[{i}]")),
                    critiques[i], revision));
            }
        }

        if (count == 0) throw new InputException(file, null, $"the object is empty; expected critique/revision instructions like {InstructionsShape}");
    }

    private static void ReadComparisons(JsonElement root, string file, string stem, Builder builder)
    {
        int i = 0;
        foreach (JsonElement item in root.EnumerateArray())
        {
            string where = Invariant($"[{i}]");
            string text = Text(item, file, where);
            if (!text.EndsWith(OptionsSuffix, StringComparison.Ordinal))
            {
                throw new InputException(file, null,
                    $"{where}: a comparison principle must end with 'Options:' (and a few-shot dialogue needs a 'Critique Request:' turn)");
            }

            // The feedback question renders its own "Options:" line, so the released suffix is dropped here.
            string question = text[..^OptionsSuffix.Length].Trim();
            if (question.Length == 0) throw new InputException(file, null, $"{where}: the principle has no text before 'Options:'");
            builder.Comparisons.Add(new ComparisonPrinciple(builder.Claim(Invariant($"{stem}-{i}"), file, where), question));
            i++;
        }
    }

    private static void ReadCritiqueExamples(JsonElement root, string file, string stem, Builder builder)
    {
        int i = 0;
        foreach (JsonElement item in root.EnumerateArray())
        {
            string where = Invariant($"[{i}]");
            var turns = DialogueTranscripts.Split(Text(item, file, where), out string leading).ToList();
            if (leading.Length > 0) throw new InputException(file, null, $"{where}: text before the first 'Human:' turn");
            if (turns.Count > 0 && turns[^1] is { Label: DialogueTranscripts.Human, Text.Length: 0 }) turns.RemoveAt(turns.Count - 1);
            int critique = turns.FindIndex(t => t.Label == DialogueTranscripts.CritiqueRequest);
            var conversation = critique < 0 ? turns : turns[..critique];
            CheckConversation(conversation, file, where, endsWithAssistant: true);
            string[] expected =
                [DialogueTranscripts.CritiqueRequest, DialogueTranscripts.Critique, DialogueTranscripts.RevisionRequest, DialogueTranscripts.Revision];
            var rest = critique < 0 ? [] : turns[critique..];
            for (int k = 0; k < expected.Length; k++)
            {
                if (k >= rest.Count || rest[k].Label != expected[k])
                {
                    string found = k < rest.Count ? $"'{rest[k].Label}:'" : "the end of the dialogue";
                    throw new InputException(file, null, $"{where}: expected '{expected[k]}:' after the conversation's turns, found {found}");
                }

                if (rest[k].Text.Length == 0) throw new InputException(file, null, $"{where}: the '{expected[k]}:' turn is empty");
            }

            if (rest.Count > expected.Length)
            {
                throw new InputException(file, null,
                    $"{where}: one critique/revision round per dialogue is supported; found '{rest[expected.Length].Label}:' after it");
            }

            builder.CritiqueExamples.Add(new CritiqueRevisionExample(builder.Claim(Invariant($"{stem}-{i}"), file, where),
                DialogueTranscripts.JoinPrompt(conversation[..^1]), conversation[^1].Text, rest[0].Text, rest[1].Text, rest[2].Text, rest[3].Text));
            i++;
        }
    }

    private static void ReadFeedbackExamples(JsonElement root, string file, string stem, Builder builder)
    {
        int i = 0;
        foreach (JsonElement item in root.EnumerateArray())
        {
            string where = Invariant($"[{i}]");
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new InputException(file, null, $"{where}: expected an object with prompt, corrects, incorrects, found {Describe(item)}");
            }

            foreach (JsonProperty field in item.EnumerateObject())
            {
                if (field.Name is not ("prompt" or "corrects" or "incorrects"))
                {
                    throw new InputException(file, null, $"{where}: unknown key {Quoted(field.Name)} (allowed: prompt, corrects, incorrects)");
                }
            }

            string prompt = FeedbackPromptOf(Text(Required(item, file, where, "prompt"), file, where + ".prompt"), file, where + ".prompt");
            IReadOnlyList<string> corrects = Answers(Required(item, file, where, "corrects"), file, where + ".corrects");
            IReadOnlyList<string> incorrects = Answers(Required(item, file, where, "incorrects"), file, where + ".incorrects");
            for (int c = 0; c < corrects.Count; c++)
            {
                for (int w = 0; w < incorrects.Count; w++)
                {
                    string id = corrects.Count == 1 && incorrects.Count == 1 ? Invariant($"{stem}-{i}") : Invariant($"{stem}-{i}-{c}-{w}");
                    builder.FeedbackExamples.Add(new FeedbackExample(builder.Claim(id, file, where), prompt, corrects[c], incorrects[w]));
                }
            }

            i++;
        }
    }

    /// <summary>A feedback example's conversation: plain text, or a transcript that ends with an empty <c>Assistant:</c> turn.</summary>
    private static string FeedbackPromptOf(string text, string file, string where)
    {
        var turns = DialogueTranscripts.Split(text, out string leading).ToList();
        if (turns.Count == 0) return text;
        if (leading.Length > 0) throw new InputException(file, null, $"{where}: text before the first 'Human:' turn");
        if (turns[^1] is { Label: DialogueTranscripts.Assistant, Text.Length: 0 }) turns.RemoveAt(turns.Count - 1);
        CheckConversation(turns, file, where, endsWithAssistant: false);
        return DialogueTranscripts.JoinPrompt(turns);
    }

    /// <summary>Human and assistant turns alternate from a human one, none empty, and the last is the assistant's (or the human's).</summary>
    private static void CheckConversation(IReadOnlyList<DialogueTranscripts.Turn> turns, string file, string where, bool endsWithAssistant)
    {
        if (turns.Count == 0) throw new InputException(file, null, $"{where}: expected a 'Human:' turn first");
        for (int k = 0; k < turns.Count; k++)
        {
            string expected = k % 2 == 0 ? DialogueTranscripts.Human : DialogueTranscripts.Assistant;
            if (turns[k].Label != expected)
            {
                throw new InputException(file, null, $"{where}: expected '{expected}:' as turn {k + 1} of the conversation, found '{turns[k].Label}:'");
            }

            if (turns[k].Text.Length == 0) throw new InputException(file, null, $"{where}: turn {k + 1} ('{expected}:') is empty");
        }

        if (endsWithAssistant != (turns.Count % 2 == 0))
        {
            string last = endsWithAssistant ? "an 'Assistant:' turn" : "a 'Human:' turn (then an empty 'Assistant:')";
            throw new InputException(file, null, $"{where}: the conversation must end with {last}");
        }
    }

    private static JsonElement Required(JsonElement item, string file, string where, string key) =>
        item.TryGetProperty(key, out JsonElement value) ? value : throw new InputException(file, null, $"{where}: missing required field '{key}'");

    private static IReadOnlyList<string> Answers(JsonElement list, string file, string where)
    {
        if (list.ValueKind != JsonValueKind.Array) throw new InputException(file, null, $"{where}: expected a list of answers, found {Describe(list)}");
        var answers = list.EnumerateArray().Select((a, i) => Text(a, file, Invariant($"{where}[{i}]"))).ToList();
        return answers.Count > 0 ? answers : throw new InputException(file, null, $"{where}: the list is empty; at least one answer is required");
    }

    /// <summary>A non-blank string, trimmed (as the YAML reader trims).</summary>
    private static string Text(JsonElement element, string file, string where)
    {
        if (element.ValueKind != JsonValueKind.String) throw new InputException(file, null, $"{where}: expected a string, found {Describe(element)}");
        string value;
        try
        {
            value = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new InputException(file, null, $"{where}: the string holds an invalid escape (a lone surrogate?)");
        }

        if (value.Contains('\0')) throw new InputException(file, null, $"{where}: contains a NUL character (\\u0000), which the event store cannot hold");
        return string.IsNullOrWhiteSpace(value) ? throw new InputException(file, null, $"{where}: must not be empty") : value.Trim();
    }

    private static string Slug(string name) => NonIdCharacters().Replace(name.ToLowerInvariant(), "-").Trim('-');

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Quoted(string name)
    {
        string oneLine = InputException.OneLine(name);
        return oneLine.Length <= 60 ? $"\"{oneLine}\"" : $"\"{oneLine[..57]}...\"";
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
