namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// Reads binary-choice items in the shape of the released HHH evaluation file: a JSON list (or JSON lines) of objects,
/// each <c>{"prompt": "… The answer is:", "corrects": [" (A)"], "incorrects": [" (B)"]}</c> or
/// <c>{"prompt": "…", "text_correct": "…", "text_incorrect": "…"}</c>, with an optional <c>id</c>.
/// Every problem is one <see cref="InputException"/> naming file, line and field.
/// </summary>
public static class ChoiceItemFile
{
    private static readonly string[] AllowedKeys = ["prompt", "corrects", "incorrects", "text_correct", "text_incorrect", "id"];
    private const string Example = "{\"prompt\": \"... The answer is:\", \"corrects\": [\" (A)\"], \"incorrects\": [\" (B)\"]}";

    public static IReadOnlyList<ChoiceItem> LoadFile(string path) => Parse(InputFiles.ReadAllBytes(path), path);

    public static IReadOnlyList<ChoiceItem> Parse(byte[] utf8, string source) =>
        EvaluationItemReader.Read(utf8, source, Example).Select(entry =>
        {
            InputException Error(string problem) => new(source, entry.Line, problem);
            var item = entry.Item;
            EvaluationItemReader.OnlyKeys(item, AllowedKeys, Error);
            var prompt = EvaluationItemReader.Text(item, "prompt", Error);
            var hasContinuations = item.TryGetProperty("corrects", out _) || item.TryGetProperty("incorrects", out _);
            var hasTexts = item.TryGetProperty("text_correct", out _) || item.TryGetProperty("text_incorrect", out _);
            if (hasContinuations == hasTexts)
                throw Error("an item has either 'corrects' and 'incorrects' or 'text_correct' and 'text_incorrect'");
            if (hasContinuations)
            {
                var corrects = EvaluationItemReader.Texts(item, "corrects", Error);
                var incorrects = EvaluationItemReader.Texts(item, "incorrects", Error);
                if (corrects.Intersect(incorrects, StringComparer.Ordinal).FirstOrDefault() is { } both)
                    throw Error($"{JsonLines.Quote(both)} is in both 'corrects' and 'incorrects'");
                return new ChoiceItem(entry.Line, prompt, corrects, incorrects, null, null);
            }
            var correct = EvaluationItemReader.Text(item, "text_correct", Error);
            var incorrect = EvaluationItemReader.Text(item, "text_incorrect", Error);
            if (string.Equals(correct, incorrect, StringComparison.Ordinal)) throw Error("'text_correct' and 'text_incorrect' are identical");
            return new ChoiceItem(entry.Line, prompt, null, null, correct, incorrect);
        }).ToList();
}
