namespace CaiEvents.Models.Demo;

/// <summary>The generated corpus: train and held-out documents, held-out comparison items, and the recipe hash.</summary>
public sealed class DemoCorpus
{
    internal DemoCorpus(string recipeHash, IReadOnlyList<CorpusDocument> train, IReadOnlyList<CorpusDocument> heldOut,
        IReadOnlyList<ComparisonItem> heldOutComparisons, IReadOnlyList<(string ThemeId, int RequestTemplate)> heldOutTemplates)
    {
        RecipeHash = recipeHash;
        Train = train;
        HeldOut = heldOut;
        HeldOutComparisons = heldOutComparisons;
        HeldOutTemplates = heldOutTemplates;
        TrainStats = Stats(train);
        HeldOutStats = Stats(heldOut);
    }

    /// <summary>Lower-case hex sha256 of generator version, scenario files, options and inputs.</summary>
    public string RecipeHash { get; }

    public IReadOnlyList<CorpusDocument> Train { get; }
    public IReadOnlyList<CorpusDocument> HeldOut { get; }
    public IReadOnlyList<ComparisonItem> HeldOutComparisons { get; }

    /// <summary>The (theme, request template) pairs reserved for the held-out split; training never uses them.</summary>
    public IReadOnlyList<(string ThemeId, int RequestTemplate)> HeldOutTemplates { get; }

    public CorpusSplitStats TrainStats { get; }
    public CorpusSplitStats HeldOutStats { get; }

    /// <summary>Training text: each document followed by <c>&lt;|endoftext|&gt;</c>.</summary>
    public string TrainText() => Join(Train);

    /// <summary>Held-out text, same layout as <see cref="TrainText"/>.</summary>
    public string HeldOutText() => Join(HeldOut);

    /// <summary>One line for logs.</summary>
    public string Summary() =>
        $"demo corpus {RecipeHash[..12]}: train {TrainStats.Documents} docs / {TrainStats.Characters:N0} chars " +
        $"(sl {TrainStats.CritiqueRevision}, two-round {TrainStats.TwoRound}, plain {TrainStats.Plain}, comparison {TrainStats.Comparison}); " +
        $"held-out {HeldOutStats.Documents} docs / {HeldOutStats.Characters:N0} chars; {HeldOutComparisons.Count} held-out comparison items; " +
        $"{HeldOutTemplates.Count} held-out templates";

    public const string TrainFileName = "train.txt";
    public const string HeldOutFileName = "held-out.txt";
    public const string HeldOutComparisonsFileName = "held-out-comparisons.jsonl";
    public const string RecipeFileName = "recipe.txt";

    /// <summary>
    /// Writes <c>train.txt</c>, <c>held-out.txt</c> (UTF-8, documents separated by <c>&lt;|endoftext|&gt;</c>),
    /// <c>held-out-comparisons.jsonl</c> (one <see cref="ComparisonItem"/> per line) and <c>recipe.txt</c>
    /// (the recipe hash, then <see cref="Summary"/>) into <paramref name="directory"/>, creating it if needed.
    /// </summary>
    public void WriteTo(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var utf8 = new System.Text.UTF8Encoding(false);
        File.WriteAllText(Path.Combine(directory, TrainFileName), TrainText(), utf8);
        File.WriteAllText(Path.Combine(directory, HeldOutFileName), HeldOutText(), utf8);
        var json = new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase };
        File.WriteAllLines(Path.Combine(directory, HeldOutComparisonsFileName),
            HeldOutComparisons.Select(c => System.Text.Json.JsonSerializer.Serialize(new
            {
                c.ThemeId, c.RedTeam, c.RequestTemplate, c.Prompt, c.Question, c.Harmless, c.Harmful,
                CorrectOption = c.CorrectOption.ToString(), c.OptionA, c.OptionB,
            }, json)), utf8);
        File.WriteAllText(Path.Combine(directory, RecipeFileName), RecipeHash + "\n" + Summary() + "\n", utf8);
    }

    public static string Join(IEnumerable<CorpusDocument> docs) =>
        string.Concat(docs.Select(d => d.Text + Tokenization.ByteLevel.EndOfText));

    private static CorpusSplitStats Stats(IReadOnlyList<CorpusDocument> docs) => new(
        docs.Count,
        docs.Count(d => d.Kind == CorpusDocumentKind.CritiqueRevision),
        docs.Count(d => d.Kind == CorpusDocumentKind.CritiqueRevision && d.Rounds == 2),
        docs.Count(d => d.Kind == CorpusDocumentKind.Plain),
        docs.Count(d => d.Kind == CorpusDocumentKind.Comparison),
        docs.Count(d => d.Kind == CorpusDocumentKind.Comparison && d.CorrectOption == 'A'),
        docs.Sum(d => (long)d.Text.Length + Tokenization.ByteLevel.EndOfText.Length));
}
