namespace CaiEvents.Models.Demo;

/// <summary>One critique/revision principle as the generator needs it: its id and the two request texts.</summary>
/// <remarks>
/// The id is used only to pick critique openers that fit the principle; unknown ids are fine (the critique then
/// has no principle-specific opener). Callers pass the constitution's principles (Domain's
/// <c>Constitution.CritiqueRevision</c>); this project does not reference Domain.
/// </remarks>
public sealed record CritiqueRevisionRequests(string Id, string CritiqueRequest, string RevisionRequest);

/// <summary>The constitution-derived text the corpus embeds: critique/revision requests and comparison questions.</summary>
public sealed record DemoCorpusInputs(IReadOnlyList<CritiqueRevisionRequests> CritiqueRevision, IReadOnlyList<string> ComparisonQuestions)
{
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(CritiqueRevision);
        ArgumentNullException.ThrowIfNull(ComparisonQuestions);
        if (CritiqueRevision.Count == 0) throw new ArgumentException("At least one critique/revision principle is needed.", nameof(CritiqueRevision));
        if (ComparisonQuestions.Count == 0) throw new ArgumentException("At least one comparison question is needed.", nameof(ComparisonQuestions));
        foreach (var p in CritiqueRevision)
        {
            if (p is null || string.IsNullOrWhiteSpace(p.Id) || string.IsNullOrWhiteSpace(p.CritiqueRequest) || string.IsNullOrWhiteSpace(p.RevisionRequest))
            {
                throw new ArgumentException("Every principle needs an id, a critique request and a revision request.", nameof(CritiqueRevision));
            }
        }
        if (ComparisonQuestions.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Comparison questions must not be empty.", nameof(ComparisonQuestions));
        }
    }
}

/// <summary>
/// Relative weights of the document kinds (they need not sum to 1). Defaults put most weight on red-team
/// critique/revision documents and on comparisons, the two skills the demo model must show.
/// </summary>
public sealed record DemoCorpusMix(
    double SlRedTeamHarmfulFirst = 0.34,
    double SlRedTeamHarmlessFirst = 0.05,
    double SlHelpfulGoodFirst = 0.05,
    double SlHelpfulUnhelpfulFirst = 0.06,
    double PlainRedTeam = 0.08,
    double PlainHelpful = 0.08,
    double ComparisonRedTeam = 0.27,
    double ComparisonHelpful = 0.07);

/// <summary>Generator settings. Everything here goes into the recipe hash.</summary>
/// <param name="Seed">Master seed: same seed, inputs and options give byte-identical output.</param>
/// <param name="TrainChars">Stop adding training documents once their text (with separators) reaches this many characters.</param>
/// <param name="HeldOutChars">Same, for the held-out documents.</param>
/// <param name="HeldOutComparisons">Number of structured held-out comparison items (for measuring harmless preference).</param>
/// <param name="TwoRoundFraction">Share of critique/revision documents that get a second round.</param>
/// <param name="ThemeSpecificAnswerShare">Chance of using a theme's own answer rather than a shared template, when it has one.</param>
/// <param name="RelevantPrincipleShare">Chance of picking a principle the theme is tagged with (when any is among the inputs).</param>
public sealed record DemoCorpusOptions(
    int Seed = 1234,
    int TrainChars = 3_000_000,
    int HeldOutChars = 150_000,
    int HeldOutComparisons = 400,
    double TwoRoundFraction = 0.25,
    double ThemeSpecificAnswerShare = 0.65,
    double RelevantPrincipleShare = 0.75,
    DemoCorpusMix? Mix = null)
{
    public DemoCorpusMix EffectiveMix => Mix ?? new DemoCorpusMix();
}

public enum CorpusDocumentKind
{
    /// <summary>Human/Assistant exchange followed by one or two critique/revision rounds.</summary>
    CritiqueRevision,
    /// <summary>A plain Human/Assistant exchange with a harmless (or helpful) answer.</summary>
    Plain,
    /// <summary>The multiple-choice feedback prompt followed by the answer naming the better option.</summary>
    Comparison,
}

/// <summary>One generated document (without the end-of-text separator).</summary>
/// <param name="RequestTemplate">Index of the request template within the theme; with <see cref="ThemeId"/> it decides the split.</param>
/// <param name="FirstAnswerHarmful">For critique/revision documents: whether the first Assistant answer is the bad one.</param>
/// <param name="Comparison">For comparison documents: the item rendered (its options, question and correct option).</param>
public sealed record CorpusDocument(
    CorpusDocumentKind Kind,
    string ThemeId,
    bool RedTeam,
    int RequestTemplate,
    int Rounds,
    bool FirstAnswerHarmful,
    ComparisonItem? Comparison,
    string Text)
{
    /// <summary>For comparison documents, 'A' or 'B': the option holding the harmless answer.</summary>
    public char? CorrectOption => Comparison?.CorrectOption;
}

/// <summary>
/// A held-out comparison, structured so a trainer can score a model: render <see cref="Prompt"/>-based feedback
/// text with <see cref="FeedbackPrompt"/> and compare the probabilities of <see cref="DemoFormats.OptionContinuation"/>
/// for 'A' and 'B'. For red-team themes <see cref="Harmful"/> is an unsafe answer; for helpful themes it is a needless
/// refusal or a rude brush-off, and <see cref="Harmless"/> the genuinely helpful answer.
/// </summary>
public sealed record ComparisonItem(
    string ThemeId,
    bool RedTeam,
    int RequestTemplate,
    string Prompt,
    string Harmless,
    string Harmful,
    string Question,
    char CorrectOption)
{
    public string OptionA => CorrectOption == 'A' ? Harmless : Harmful;
    public string OptionB => CorrectOption == 'A' ? Harmful : Harmless;

    /// <summary>The feedback prompt, ending in <c>The answer is:</c>.</summary>
    public string FeedbackPrompt => DemoFormats.ComparisonPrompt(Prompt, Question, OptionA, OptionB);

    /// <summary>The continuation naming the harmless option, e.g. <c>" (B)"</c>.</summary>
    public string CorrectContinuation => DemoFormats.OptionContinuation(CorrectOption);
}

/// <summary>Counts for one split.</summary>
public sealed record CorpusSplitStats(
    int Documents,
    int CritiqueRevision,
    int TwoRound,
    int Plain,
    int Comparison,
    int ComparisonCorrectA,
    long Characters);

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
