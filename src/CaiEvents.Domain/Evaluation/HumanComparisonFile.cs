using CaiEvents.Domain.Preferences;

namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// Reads human comparisons to evaluate a preference model on: a JSON list or JSON lines of <c>{"prompt", "chosen", "rejected"}</c>,
/// HH-RLHF transcripts <c>{"chosen": "\n\nHuman: …\n\nAssistant: …", "rejected": …}</c> (split as <c>cai import preferences</c>
/// splits them), or <c>{"prompt", "text_correct", "text_incorrect"}</c>. Well-formed lines that carry no usable preference (an empty
/// final reply, differing conversation prefixes, identical texts, and the released HHH file's <c>corrects</c>/<c>incorrects</c> items)
/// are returned apart; anything else wrong is an
/// <see cref="InputException"/> naming file, line and field.
/// </summary>
public static class HumanComparisonFile
{
    private static readonly string[] AllowedKeys = ["prompt", "chosen", "rejected", "text_correct", "text_incorrect", "corrects", "incorrects", "id"];
    private const string Example = "{\"prompt\": \"...\", \"chosen\": \"...\", \"rejected\": \"...\"}";

    public static HumanComparisonSet LoadFile(string path) => Parse(InputFiles.ReadAllBytes(path), path);

    public static HumanComparisonSet Parse(byte[] utf8, string source)
    {
        var comparisons = new List<HumanComparison>();
        var skipped = new List<(int, string)>();
        foreach (var (line, item) in EvaluationItemReader.Read(utf8, source, Example))
        {
            InputException Error(string problem) => new(source, line, problem);
            EvaluationItemReader.OnlyKeys(item, AllowedKeys, Error);
            if (item.TryGetProperty("corrects", out _) || item.TryGetProperty("incorrects", out _))
            {
                // An HHH file mixes both kinds; a continuation item has no two responses for a preference model to score.
                skipped.Add((line, "a 'corrects'/'incorrects' item names options, not two responses to score"));
                continue;
            }
            var texts = item.TryGetProperty("text_correct", out _) || item.TryGetProperty("text_incorrect", out _);
            if (texts && (item.TryGetProperty("chosen", out _) || item.TryGetProperty("rejected", out _)))
                throw Error("an item has either 'chosen' and 'rejected' or 'text_correct' and 'text_incorrect'");
            var (chosenKey, rejectedKey) = texts ? ("text_correct", "text_incorrect") : ("chosen", "rejected");
            var chosen = EvaluationItemReader.Text(item, chosenKey, Error);
            var rejected = EvaluationItemReader.Text(item, rejectedKey, Error);
            string prompt;
            string? unusable = null;
            if (item.TryGetProperty("prompt", out _)) prompt = EvaluationItemReader.Text(item, "prompt", Error);
            else if (texts) throw Error("'prompt' is required with 'text_correct' and 'text_incorrect'");
            else (prompt, chosen, rejected, unusable) = PreferenceImportLoader.SplitTranscripts(chosen, rejected, Error);
            if (unusable is null && string.Equals(chosen, rejected, StringComparison.Ordinal))
                unusable = $"'{chosenKey}' and '{rejectedKey}' are identical, so the line carries no preference";
            if (unusable is null) comparisons.Add(new HumanComparison(line, prompt, chosen, rejected));
            else skipped.Add((line, unusable));
        }
        if (comparisons.Count == 0) throw new InputException(source, null, $"no usable comparisons ({skipped.Count} line(s) unusable)");
        return new HumanComparisonSet(comparisons, skipped);
    }
}
