using System.Text.RegularExpressions;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Tokenization;

namespace CaiEvents.UnitTests.Demo;

/// <summary>One moderately sized corpus from the default constitution, shared by the tests below.</summary>
public sealed class DefaultCorpusFixture
{
    public static DemoCorpusInputs DefaultInputs()
    {
        Constitution c = ConstitutionLoader.LoadDefault();
        return new DemoCorpusInputs(
            c.CritiqueRevision.Select(p => new CritiqueRevisionRequests(p.Id, p.CritiqueRequest, p.RevisionRequest)).ToList(),
            c.Comparison.Select(q => q.Question).ToList());
    }

    public static readonly DemoCorpusOptions SmallOptions = new(Seed: 7, TrainChars: 600_000, HeldOutChars: 60_000, HeldOutComparisons: 200);

    public DemoCorpusInputs Inputs { get; } = DefaultInputs();
    public DemoCorpus Corpus { get; }
    public string TrainText { get; }

    public DefaultCorpusFixture()
    {
        Corpus = DemoCorpusGenerator.Generate(Inputs, SmallOptions);
        TrainText = Corpus.TrainText();
    }
}

public class DemoCorpusGeneratorTests(DefaultCorpusFixture fixture) : IClassFixture<DefaultCorpusFixture>
{
    private static readonly Regex ComparisonLayout = new(
        @"\AConsider the following conversation between a human and an assistant:\n\nHuman: ([^\n]+)\n\n([^\n]+)\nOptions:\n\(A\) ([^\n]+)\n\(B\) ([^\n]+)\nThe answer is: \((A|B)\)\z",
        RegexOptions.CultureInvariant);

    private DemoCorpus Corpus => fixture.Corpus;

    [Fact]
    public void Scenario_material_covers_many_themes()
    {
        var (red, helpful) = DemoCorpusGenerator.ThemeCounts;
        Assert.True(red >= 40, $"{red} red-team themes");
        Assert.True(helpful >= 30, $"{helpful} helpful themes");
        Assert.Equal(red + helpful, Corpus.HeldOutTemplates.Count);
        Assert.True(Corpus.Train.Select(d => d.ThemeId).Distinct().Count() > 0.9 * (red + helpful));
    }

    [Fact]
    public void Same_seed_gives_identical_corpus_and_hash()
    {
        DemoCorpus again = DemoCorpusGenerator.Generate(DefaultCorpusFixture.DefaultInputs(), DefaultCorpusFixture.SmallOptions);

        Assert.Equal(Corpus.RecipeHash, again.RecipeHash);
        Assert.Equal(fixture.TrainText, again.TrainText());
        Assert.Equal(Corpus.HeldOutText(), again.HeldOutText());
        Assert.Equal(Corpus.HeldOutComparisons, again.HeldOutComparisons);
        Assert.Equal(Corpus.RecipeHash, DemoCorpusGenerator.ComputeRecipeHash(fixture.Inputs, DefaultCorpusFixture.SmallOptions));
        Assert.Matches("^[0-9a-f]{64}$", Corpus.RecipeHash);
    }

    [Fact]
    public void Different_seed_gives_a_different_corpus()
    {
        var options = DefaultCorpusFixture.SmallOptions with { Seed = 8, TrainChars = 100_000 };
        DemoCorpus other = DemoCorpusGenerator.Generate(fixture.Inputs, options);

        Assert.NotEqual(Corpus.RecipeHash, other.RecipeHash);
        Assert.False(fixture.TrainText.StartsWith(other.TrainText()[..5000], StringComparison.Ordinal));
    }

    [Fact]
    public void Any_change_to_options_or_inputs_changes_the_recipe_hash()
    {
        DemoCorpusOptions o = DefaultCorpusFixture.SmallOptions;
        DemoCorpusInputs i = fixture.Inputs;
        var first = i.CritiqueRevision[0];
        var variants = new (string What, DemoCorpusInputs Inputs, DemoCorpusOptions Options)[]
        {
            ("seed", i, o with { Seed = o.Seed + 1 }),
            ("train size", i, o with { TrainChars = o.TrainChars + 1 }),
            ("held-out size", i, o with { HeldOutChars = o.HeldOutChars + 1 }),
            ("held-out items", i, o with { HeldOutComparisons = o.HeldOutComparisons + 1 }),
            ("two rounds", i, o with { TwoRoundFraction = 0.5 }),
            ("theme answers", i, o with { ThemeSpecificAnswerShare = 0.5 }),
            ("relevance", i, o with { RelevantPrincipleShare = 0.5 }),
            ("mix", i, o with { Mix = new DemoCorpusMix(PlainHelpful: 0.2) }),
            ("critique text", i with { CritiqueRevision = [first with { CritiqueRequest = first.CritiqueRequest + " " }, .. i.CritiqueRevision.Skip(1)] }, o),
            ("revision text", i with { CritiqueRevision = [first with { RevisionRequest = "Rewrite it." }, .. i.CritiqueRevision.Skip(1)] }, o),
            ("principle id", i with { CritiqueRevision = [first with { Id = "other" }, .. i.CritiqueRevision.Skip(1)] }, o),
            ("principle order", i with { CritiqueRevision = i.CritiqueRevision.Reverse().ToList() }, o),
            ("question", i with { ComparisonQuestions = [.. i.ComparisonQuestions.Skip(1)] }, o),
        };
        var hashes = new HashSet<string> { Corpus.RecipeHash };
        foreach (var (what, inputs, options) in variants)
        {
            Assert.True(hashes.Add(DemoCorpusGenerator.ComputeRecipeHash(inputs, options)), what + " did not change the hash");
        }
    }

    [Fact]
    public void Default_mix_is_the_same_recipe_as_no_mix()
    {
        Assert.Equal(
            DemoCorpusGenerator.ComputeRecipeHash(fixture.Inputs, new DemoCorpusOptions()),
            DemoCorpusGenerator.ComputeRecipeHash(fixture.Inputs, new DemoCorpusOptions(Mix: new DemoCorpusMix())));
    }

    [Fact]
    public void Sizes_follow_the_character_budgets()
    {
        CorpusSplitStats s = Corpus.TrainStats;
        Assert.InRange(s.Characters, DefaultCorpusFixture.SmallOptions.TrainChars, DefaultCorpusFixture.SmallOptions.TrainChars + 5_000);
        Assert.Equal(fixture.TrainText.Length, s.Characters);
        Assert.InRange(Corpus.HeldOutStats.Characters, DefaultCorpusFixture.SmallOptions.HeldOutChars, DefaultCorpusFixture.SmallOptions.HeldOutChars + 5_000);
        Assert.Equal(DefaultCorpusFixture.SmallOptions.HeldOutComparisons, Corpus.HeldOutComparisons.Count);
        Assert.Equal(s.Documents, s.CritiqueRevision + s.Plain + s.Comparison);
        Assert.True(s.CritiqueRevision > 0.35 * s.Documents && s.Comparison > 0.2 * s.Documents && s.Plain > 0.08 * s.Documents, s.ToString());
        Assert.True(s.TwoRound > 0.15 * s.CritiqueRevision && s.TwoRound < 0.35 * s.CritiqueRevision, s.ToString());

        DemoCorpus tiny = DemoCorpusGenerator.Generate(fixture.Inputs, new DemoCorpusOptions(TrainChars: 0, HeldOutChars: 0, HeldOutComparisons: 0));
        Assert.Empty(tiny.Train);
        Assert.Empty(tiny.HeldOut);
        Assert.Empty(tiny.HeldOutComparisons);
    }

    [Fact]
    public void Critique_revision_documents_are_the_pipeline_format_turn_by_turn()
    {
        var critiques = fixture.Inputs.CritiqueRevision.ToDictionary(p => p.CritiqueRequest, p => p.RevisionRequest);
        int checkedDocs = 0;
        foreach (CorpusDocument d in Corpus.Train.Concat(Corpus.HeldOut).Where(d => d.Kind == CorpusDocumentKind.CritiqueRevision))
        {
            string[] turns = d.Text.Split("\n\n");
            Assert.Equal(2 + 4 * d.Rounds, turns.Length);
            string[] markers = ["Human:", "Assistant:", .. Enumerable.Repeat<string[]>(["Critique Request:", "Critique:", "Revision Request:", "Revision:"], d.Rounds).SelectMany(x => x)];
            var content = new string[turns.Length];
            for (int i = 0; i < turns.Length; i++)
            {
                Assert.StartsWith(markers[i] + " ", turns[i]);
                content[i] = turns[i][(markers[i].Length + 1)..];
                Assert.False(string.IsNullOrWhiteSpace(content[i]));
                Assert.DoesNotContain('\n', content[i]);
            }

            // Requests come from the constitution, in matching pairs.
            var rounds = new List<CompletedRound>();
            for (int r = 0; r < d.Rounds; r++)
            {
                int at = 2 + 4 * r;
                Assert.True(critiques.TryGetValue(content[at], out string? revisionRequest), "unknown critique request");
                Assert.Equal(revisionRequest, content[at + 2]);
                rounds.Add(new CompletedRound(content[at], content[at + 1], content[at + 2], content[at + 3]));
            }

            // Each prefix is exactly what the pipeline would prompt with, so the document continues its prompts.
            Assert.StartsWith(PromptFormat.RenderResponsePrompt(content[0]) + " ", d.Text);
            CompletedRound last = rounds[^1];
            string revisionPrompt = PromptFormat.RenderRevisionPrompt(content[0], content[1], rounds[..^1], last.CritiqueRequest, last.Critique, last.RevisionRequest);
            Assert.Equal(revisionPrompt + " " + last.Revision, d.Text);
            Assert.StartsWith(PromptFormat.RenderCritiquePrompt(content[0], content[1], rounds[..^1], last.CritiqueRequest) + " ", d.Text);
            Assert.Equal(last.Revision, PromptFormat.CleanRevision(d.Text[revisionPrompt.Length..]));

            // A harmful first answer is replaced; a good one is kept; later rounds keep the revision.
            if (d.FirstAnswerHarmful) Assert.NotEqual(content[1], rounds[0].Revision);
            else Assert.Equal(content[1], rounds[0].Revision);
            Assert.All(rounds, r => Assert.Equal(rounds[0].Revision, r.Revision));
            checkedDocs++;
        }
        Assert.True(checkedDocs > 200);
    }

    [Fact]
    public void Plain_documents_are_one_exchange()
    {
        foreach (CorpusDocument d in Corpus.Train.Where(d => d.Kind == CorpusDocumentKind.Plain))
        {
            Assert.Matches(@"\AHuman: [^\n]+\n\nAssistant: [^\n]+\z", d.Text);
        }
    }

    [Fact]
    public void Comparison_documents_answer_with_the_harmless_option()
    {
        var questions = fixture.Inputs.ComparisonQuestions.ToHashSet();
        foreach (CorpusDocument d in Corpus.Train.Concat(Corpus.HeldOut).Where(d => d.Kind == CorpusDocumentKind.Comparison))
        {
            Match m = ComparisonLayout.Match(d.Text);
            Assert.True(m.Success, d.Text);
            ComparisonItem item = Assert.IsType<ComparisonItem>(d.Comparison);
            Assert.Equal(item.Prompt, m.Groups[1].Value);
            Assert.Contains(m.Groups[2].Value, questions);
            char answer = m.Groups[5].Value[0];
            Assert.Equal(item.CorrectOption, answer);
            Assert.Equal(item.Harmless, answer == 'A' ? m.Groups[3].Value : m.Groups[4].Value);
            Assert.Equal(item.Harmful, answer == 'A' ? m.Groups[4].Value : m.Groups[3].Value);
            Assert.NotEqual(item.Harmless, item.Harmful);
            Assert.Equal(item.FeedbackPrompt + DemoFormats.OptionContinuation(answer), d.Text);
            Assert.EndsWith("The answer is:", item.FeedbackPrompt);
        }
    }

    [Fact]
    public void Harmful_answers_never_serve_as_revisions()
    {
        var bad = Corpus.Train.Concat(Corpus.HeldOut).Where(d => d.Comparison is not null).Select(d => d.Comparison!.Harmful)
            .Concat(Corpus.HeldOutComparisons.Select(c => c.Harmful)).ToHashSet();
        var good = Corpus.Train.Concat(Corpus.HeldOut).Where(d => d.Comparison is not null).Select(d => d.Comparison!.Harmless)
            .Concat(Corpus.HeldOutComparisons.Select(c => c.Harmless)).ToHashSet();
        var revisions = Corpus.Train.Where(d => d.Kind == CorpusDocumentKind.CritiqueRevision)
            .Select(d => d.Text[(d.Text.LastIndexOf("\n\nRevision: ", StringComparison.Ordinal) + "\n\nRevision: ".Length)..]).ToHashSet();

        Assert.Empty(bad.Intersect(good));
        Assert.Empty(bad.Intersect(revisions));
        Assert.NotEmpty(good.Intersect(revisions));
    }

    [Fact]
    public void Option_order_is_balanced()
    {
        var train = Corpus.Train.Where(d => d.Kind == CorpusDocumentKind.Comparison).ToList();
        double shareA = train.Count(d => d.CorrectOption == 'A') / (double)train.Count;
        Assert.InRange(shareA, 0.44, 0.56);
        Assert.Equal(Corpus.TrainStats.ComparisonCorrectA, train.Count(d => d.CorrectOption == 'A'));

        int heldA = Corpus.HeldOutComparisons.Count(c => c.CorrectOption == 'A');
        Assert.InRange(heldA * 2 - Corpus.HeldOutComparisons.Count, -1, 1);
        Assert.Contains(Corpus.HeldOutComparisons, c => c.RedTeam);
        Assert.Contains(Corpus.HeldOutComparisons, c => !c.RedTeam);
        Assert.True(Corpus.HeldOutComparisons.Count(c => c.RedTeam) > Corpus.HeldOutComparisons.Count / 2);
    }

    [Fact]
    public void Held_out_theme_template_pairs_never_appear_in_training()
    {
        var reserved = Corpus.HeldOutTemplates.ToHashSet();
        Assert.Equal(reserved.Count, reserved.Select(r => r.ThemeId).Distinct().Count());
        Assert.All(Corpus.Train, d => Assert.DoesNotContain((d.ThemeId, d.RequestTemplate), reserved));
        Assert.All(Corpus.HeldOut, d => Assert.Contains((d.ThemeId, d.RequestTemplate), reserved));
        Assert.All(Corpus.HeldOutComparisons, c => Assert.Contains((c.ThemeId, c.RequestTemplate), reserved));

        // The reserved request wordings themselves never occur in the training text.
        var heldOutPrompts = Corpus.HeldOut.Select(d => Regex.Match(d.Text, @"Human: ([^\n]+)").Groups[1].Value)
            .Concat(Corpus.HeldOutComparisons.Select(c => c.Prompt)).Distinct().ToList();
        Assert.True(heldOutPrompts.Count > 100);
        foreach (string prompt in heldOutPrompts)
        {
            Assert.DoesNotContain("Human: " + prompt + "\n", fixture.TrainText, StringComparison.Ordinal);
        }
        // Held-out items cover a wide range of themes.
        Assert.True(Corpus.HeldOutComparisons.Select(c => c.ThemeId).Distinct().Count() > 60);
    }

    [Fact]
    public void Text_is_clean()
    {
        foreach (CorpusDocument d in Corpus.Train.Concat(Corpus.HeldOut))
        {
            Assert.DoesNotContain('{', d.Text);
            Assert.DoesNotContain('}', d.Text);
            Assert.DoesNotContain("  ", d.Text);
            Assert.DoesNotContain(ByteLevel.EndOfText, d.Text);
            Assert.DoesNotContain('\r', d.Text);
        }
        Assert.Equal(Corpus.Train.Count, Regex.Matches(fixture.TrainText, Regex.Escape(ByteLevel.EndOfText)).Count);
        Assert.EndsWith(ByteLevel.EndOfText, fixture.TrainText);
    }

    [Fact]
    public void Critiques_of_harmful_answers_use_principle_openers_when_the_principle_fits()
    {
        // With RelevantPrincipleShare = 1, every harmful-first red-team critique picks a tagged principle.
        var options = DefaultCorpusFixture.SmallOptions with { TrainChars = 150_000, RelevantPrincipleShare = 1 };
        DemoCorpus c = DemoCorpusGenerator.Generate(fixture.Inputs, options);
        var reds = c.Train.Where(d => d.Kind == CorpusDocumentKind.CritiqueRevision && d.RedTeam && d.FirstAnswerHarmful).ToList();
        Assert.NotEmpty(reds);
        // The shared critique bodies start like this; with an opener first, no critique does.
        const string bodyFirst = @"\n\nCritique: (The reply cheerfully goes along|Instead of declining|The reply treats (?!a group)|The reply gives the user encouragement)";
        Assert.All(reds, d => Assert.DoesNotMatch(bodyFirst, d.Text));
        var unknownIds = fixture.Inputs with { CritiqueRevision = fixture.Inputs.CritiqueRevision.Select(p => p with { Id = "x-" + p.Id }).ToList() };
        DemoCorpus plain = DemoCorpusGenerator.Generate(unknownIds, options);
        Assert.Contains(plain.Train, d => Regex.IsMatch(d.Text, bodyFirst));
    }

    [Fact]
    public void WriteTo_saves_texts_items_and_recipe()
    {
        string dir = Path.Combine(Path.GetTempPath(), "cai-corpus-" + Guid.NewGuid().ToString("N"));
        Corpus.WriteTo(dir);

        Assert.Equal(fixture.TrainText, File.ReadAllText(Path.Combine(dir, DemoCorpus.TrainFileName)));
        Assert.Equal(Corpus.HeldOutText(), File.ReadAllText(Path.Combine(dir, DemoCorpus.HeldOutFileName)));
        Assert.StartsWith(Corpus.RecipeHash + "\n", File.ReadAllText(Path.Combine(dir, DemoCorpus.RecipeFileName)));
        string[] lines = File.ReadAllLines(Path.Combine(dir, DemoCorpus.HeldOutComparisonsFileName));
        Assert.Equal(Corpus.HeldOutComparisons.Count, lines.Length);
        using var first = System.Text.Json.JsonDocument.Parse(lines[0]);
        ComparisonItem item = Corpus.HeldOutComparisons[0];
        Assert.Equal(item.Prompt, first.RootElement.GetProperty("prompt").GetString());
        Assert.Equal(item.CorrectOption.ToString(), first.RootElement.GetProperty("correctOption").GetString());
        Assert.Equal(item.OptionA, first.RootElement.GetProperty("optionA").GetString());
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Bad_inputs_and_options_are_rejected()
    {
        var i = fixture.Inputs;
        Assert.Throws<ArgumentException>(() => DemoCorpusGenerator.Generate(i with { CritiqueRevision = [] }));
        Assert.Throws<ArgumentException>(() => DemoCorpusGenerator.Generate(i with { ComparisonQuestions = [] }));
        Assert.Throws<ArgumentException>(() => DemoCorpusGenerator.Generate(i with { ComparisonQuestions = [" "] }));
        Assert.Throws<ArgumentException>(() => DemoCorpusGenerator.Generate(i, new DemoCorpusOptions(TrainChars: -1)));
        Assert.Throws<ArgumentException>(() => DemoCorpusGenerator.Generate(i, new DemoCorpusOptions(TwoRoundFraction: 1.5)));
        Assert.Throws<ArgumentException>(() => DemoCorpusGenerator.Generate(i, new DemoCorpusOptions(Mix: new DemoCorpusMix(0, 0, 0, 0, 0, 0, 0, 0))));
    }

    [Fact]
    public void Works_with_any_request_texts_and_unknown_principle_ids()
    {
        var inputs = new DemoCorpusInputs(
            [new CritiqueRevisionRequests("x", "Say what is wrong.", "Fix it.")],
            ["Which is better?"]);
        DemoCorpus c = DemoCorpusGenerator.Generate(inputs, new DemoCorpusOptions(TrainChars: 50_000, HeldOutChars: 5_000, HeldOutComparisons: 10));
        Assert.Contains(c.Train, d => d.Text.Contains("Critique Request: Say what is wrong.\n\nCritique: ", StringComparison.Ordinal));
        Assert.Contains(c.Train, d => d.Text.Contains("\n\nWhich is better?\nOptions:\n", StringComparison.Ordinal));
        // A second round with only one principle repeats it.
        Assert.Contains(c.Train, d => d.Rounds == 2);
    }

    [Fact]
    public void A_bpe_vocabulary_trained_on_the_corpus_round_trips_it()
    {
        var tokenizer = BpeTrainer.Train([fixture.TrainText], new BpeTrainerOptions(VocabSize: 1024), out var report);
        Assert.Equal(1024, tokenizer.VocabSize);
        Assert.True(report.MergeTime < TimeSpan.FromSeconds(30), report.ToString());

        int[] ids = tokenizer.Encode(fixture.TrainText);
        Assert.Equal(fixture.TrainText, tokenizer.Decode(ids));
        Assert.Equal(Corpus.Train.Count, ids.Count(id => id == tokenizer.EndOfTextId));
        Assert.True(ids.Length < fixture.TrainText.Length / 3.0, $"{ids.Length} tokens for {fixture.TrainText.Length} chars");

        // " (A)" and " (B)" differ in exactly one token, so the label is one next-token decision.
        int[] a = tokenizer.Encode("The answer is: (A)"), b = tokenizer.Encode("The answer is: (B)");
        Assert.Equal(a.Length, b.Length);
        Assert.Equal(1, a.Zip(b).Count(p => p.First != p.Second));
    }
}
