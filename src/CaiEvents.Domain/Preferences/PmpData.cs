using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace CaiEvents.Domain.Preferences;

/// <summary>One answer of a ranked Q&amp;A thread: its text, net votes and whether the asker accepted it.</summary>
public sealed record PmpAnswer(string Text, int Votes, bool Accepted);

/// <summary>A question with its answers (the shape of a Stack Exchange dump, one thread per JSONL line).</summary>
public sealed record PmpQuestion(int LineNumber, string Id, string Question, IReadOnlyList<PmpAnswer> Answers);

/// <summary>A pre-training comparison: <see cref="Better"/> scored higher than <see cref="Worse"/> under <see cref="PmpData.Score"/>.</summary>
public sealed record PmpPair(string QuestionId, string Question, string Better, string Worse, int BetterScore, int WorseScore);

/// <summary>
/// Preference-model pre-training (PMP) data: ranked Q&amp;A read from JSONL
/// (<c>{"id"?: "...", "question": "...", "answers": [{"text": "...", "votes": 3, "accepted": true}, ...]}</c>),
/// the scoring rule for answers, and seeded sampling of comparisons within a question.
/// </summary>
public static class PmpData
{
    private static readonly string[] AllowedKeys = ["id", "question", "answers"];
    private static readonly string[] AllowedAnswerKeys = ["text", "votes", "accepted"];

    /// <summary>
    /// An answer's score: round(log2(1 + n)) for n ≥ 0 net votes, −1 when the votes are negative, plus 1 when accepted.
    /// Rounding is half away from zero (log2(1 + n) is never exactly k + ½ for whole n, so it never matters).
    /// </summary>
    public static int Score(int votes, bool accepted)
    {
        var basis = votes < 0 ? -1 : (int)Math.Round(Math.Log2(1.0 + votes), MidpointRounding.AwayFromZero);
        return basis + (accepted ? 1 : 0);
    }

    /// <summary>
    /// Up to <paramref name="maxPairsPerQuestion"/> comparisons per question, drawn without replacement from the pairs of
    /// its answers whose scores differ (equal scores say nothing). A pure function of the questions and the seed:
    /// each question draws from its own generator seeded by (seed, question index).
    /// </summary>
    public static IReadOnlyList<PmpPair> SamplePairs(IReadOnlyList<PmpQuestion> questions, int maxPairsPerQuestion, long seed)
    {
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPairsPerQuestion);
        var result = new List<PmpPair>();
        for (var q = 0; q < questions.Count; q++)
        {
            var question = questions[q];
            var scores = question.Answers.Select(a => Score(a.Votes, a.Accepted)).ToArray();
            var candidates = new List<(int I, int J)>();
            for (var i = 0; i < scores.Length; i++)
                for (var j = i + 1; j < scores.Length; j++)
                    if (scores[i] != scores[j]) candidates.Add((i, j));
            var random = new Random(unchecked((int)(seed * 7919 + q)));
            var shuffled = candidates.ToArray();
            random.Shuffle(shuffled);
            foreach (var (i, j) in shuffled.Take(maxPairsPerQuestion))
            {
                var (better, worse) = scores[i] > scores[j] ? (i, j) : (j, i);
                result.Add(new PmpPair(
                    question.Id, question.Question, question.Answers[better].Text, question.Answers[worse].Text, scores[better], scores[worse]));
            }
        }
        return result;
    }

    /// <summary>sha256 (hex) of a file's bytes, recorded by jobs that pre-train on it.</summary>
    public static string FileSha256(string path) => Convert.ToHexStringLower(SHA256.HashData(InputFiles.ReadAllBytes(path)));

    /// <summary>Reads a PMP file; the path as given names it in errors.</summary>
    public static IReadOnlyList<PmpQuestion> LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(InputFiles.ReadAllBytes(path), path);
    }

    public static IReadOnlyList<PmpQuestion> Parse(byte[] utf8, string source) =>
        JsonLines.Read(utf8, source, "questions", (line, lineNumber) => ParseLine(line, source, lineNumber), q => q.Id);

    private static PmpQuestion ParseLine(string line, string source, int lineNumber)
    {
        InputException Error(string problem) => new(source, lineNumber, problem);
        using var document = JsonLines.ParseObject(
            line, "{\"question\": \"...\", \"answers\": [{\"text\": \"...\", \"votes\": 1, \"accepted\": false}]}", Error);
        var root = document.RootElement;
        foreach (var property in root.EnumerateObject())
        {
            if (Array.IndexOf(AllowedKeys, property.Name) < 0)
                throw Error($"unknown key {JsonLines.Quote(property.Name)} (allowed: {string.Join(", ", AllowedKeys)})");
        }
        var id = JsonLines.Id(root.TryGetProperty("id", out var idElement) ? idElement : null, lineNumber, Error);
        if (!root.TryGetProperty("question", out var questionElement) || JsonLines.GetString(questionElement, "question", Error) is not { } question
            || string.IsNullOrWhiteSpace(question))
            throw Error("'question' is required and must be a non-empty string");
        if (!root.TryGetProperty("answers", out var answersElement) || answersElement.ValueKind != JsonValueKind.Array)
            throw Error("'answers' is required and must be an array of {\"text\", \"votes\", \"accepted\"} objects");
        var answers = new List<PmpAnswer>();
        var index = 0;
        foreach (var answer in answersElement.EnumerateArray())
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"answers[{index++}]");
            if (answer.ValueKind != JsonValueKind.Object) throw Error($"'{at}' must be an object");
            foreach (var property in answer.EnumerateObject())
            {
                if (Array.IndexOf(AllowedAnswerKeys, property.Name) < 0)
                    throw Error($"unknown key {JsonLines.Quote(property.Name)} in '{at}' (allowed: {string.Join(", ", AllowedAnswerKeys)})");
            }
            if (!answer.TryGetProperty("text", out var textElement) || JsonLines.GetString(textElement, $"{at}.text", Error) is not { } text
                || string.IsNullOrWhiteSpace(text))
                throw Error($"'{at}.text' is required and must be a non-empty string");
            if (!answer.TryGetProperty("votes", out var votesElement) || votesElement.ValueKind != JsonValueKind.Number
                || !votesElement.TryGetInt32(out var votes))
                throw Error($"'{at}.votes' is required and must be a whole number");
            var accepted = false;
            if (answer.TryGetProperty("accepted", out var acceptedElement))
            {
                accepted = acceptedElement.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False or JsonValueKind.Null => false,
                    _ => throw Error($"'{at}.accepted' must be true or false"),
                };
            }
            answers.Add(new PmpAnswer(text, votes, accepted));
        }
        if (answers.Count < 2) throw Error($"a question needs at least 2 answers to compare, found {answers.Count}");
        if (answers.Count(a => a.Accepted) > 1) throw Error("at most one answer can be accepted");
        return new PmpQuestion(lineNumber, id, question, answers);
    }
}
