using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CaiEvents.Models.Demo;

/// <summary>
/// Generates the synthetic training corpus for the small demo model: templated red-team and everyday requests
/// with bad and good answers, written out in the pipeline's own formats — critique/revision dialogues using the
/// caller's constitution requests, plain exchanges, and multiple-choice comparisons whose answer names the harmless
/// option. Pure and deterministic: the output depends only on the embedded scenario files, the inputs and the options.
/// <para>
/// Split: for every theme one request template is reserved (chosen from the seed); the held-out documents and
/// comparison items use only those (theme, template) pairs, and the training documents never do. Answers, slot
/// fillers and shared templates are common to both, so held-out scores measure a little generalisation to new
/// phrasings of known topics, not to new topics.
/// </para>
/// </summary>
public static partial class DemoCorpusGenerator
{
    /// <summary>Bump when the generator's output changes for the same inputs (part of the recipe hash).</summary>
    public const string GeneratorVersion = "demo-corpus-v1";

    /// <summary>Principles whose openers fit a critique of a needless refusal or a rude answer.</summary>
    public static readonly IReadOnlyList<string> UnhelpfulAnswerPrinciples = ["no-stonewalling", "tone", "empathy", "no-preaching"];

    /// <summary>Number of themes of each kind in the embedded scenario files.</summary>
    public static (int RedTeam, int Helpful) ThemeCounts =>
        (ScenarioLibrary.Default.Themes.Count(t => t.RedTeam), ScenarioLibrary.Default.Themes.Count(t => !t.RedTeam));

    /// <summary>
    /// Lower-case hex sha256 over <see cref="GeneratorVersion"/>, the scenario files, every option and every input
    /// text: a trained-model cache keyed on it is rebuilt whenever the recipe changes.
    /// </summary>
    public static string ComputeRecipeHash(DemoCorpusInputs inputs, DemoCorpusOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        inputs.Validate();
        var sb = new StringBuilder();
        Field("generator", GeneratorVersion);
        Field("scenarios", ScenarioLibrary.Default.ContentHash);
        Field("seed", options.Seed.ToString(CultureInfo.InvariantCulture));
        Field("train-chars", options.TrainChars.ToString(CultureInfo.InvariantCulture));
        Field("held-out-chars", options.HeldOutChars.ToString(CultureInfo.InvariantCulture));
        Field("held-out-comparisons", options.HeldOutComparisons.ToString(CultureInfo.InvariantCulture));
        Field("two-round", D(options.TwoRoundFraction));
        Field("theme-specific", D(options.ThemeSpecificAnswerShare));
        Field("relevant-principle", D(options.RelevantPrincipleShare));
        DemoCorpusMix m = options.EffectiveMix;
        Field("mix", string.Join(",", new[]
        {
            m.SlRedTeamHarmfulFirst, m.SlRedTeamHarmlessFirst, m.SlHelpfulGoodFirst, m.SlHelpfulUnhelpfulFirst,
            m.PlainRedTeam, m.PlainHelpful, m.ComparisonRedTeam, m.ComparisonHelpful,
        }.Select(D)));
        Field("principles", inputs.CritiqueRevision.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var p in inputs.CritiqueRevision)
        {
            Field("id", p.Id);
            Field("critique", p.CritiqueRequest);
            Field("revision", p.RevisionRequest);
        }
        Field("questions", inputs.ComparisonQuestions.Count.ToString(CultureInfo.InvariantCulture));
        foreach (string q in inputs.ComparisonQuestions) Field("question", q);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));

        void Field(string name, string value) => sb.Append(name).Append('=').Append(value.Length).Append(':').Append(value).Append('\n');
        static string D(double d) => d.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Generates the corpus. Throws <see cref="ArgumentException"/> for empty inputs or out-of-range options.</summary>
    public static DemoCorpus Generate(DemoCorpusInputs inputs, DemoCorpusOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= new DemoCorpusOptions();
        inputs.Validate();
        ValidateOptions(options);
        string hash = ComputeRecipeHash(inputs, options);
        ScenarioLibrary lib = ScenarioLibrary.Default;

        var splitRng = new DemoRandom(options.Seed, "split");
        var heldOutTemplate = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Theme t in lib.Themes) heldOutTemplate[t.Id] = splitRng.Next(t.Requests.Count);

        var train = new Factory(lib, inputs, options, new DemoRandom(options.Seed, "train"), heldOutTemplate, heldOut: false).Documents(options.TrainChars);
        var heldOut = new Factory(lib, inputs, options, new DemoRandom(options.Seed, "held-out"), heldOutTemplate, heldOut: true)
            .Documents(options.HeldOutChars);
        var items = new Factory(lib, inputs, options, new DemoRandom(options.Seed, "held-out-comparisons"), heldOutTemplate, heldOut: true)
            .ComparisonItems(options.HeldOutComparisons);
        var templates = lib.Themes.Select(t => (t.Id, heldOutTemplate[t.Id])).ToArray();
        return new DemoCorpus(hash, train, heldOut, items, templates);
    }

    private static void ValidateOptions(DemoCorpusOptions o)
    {
        if (o.TrainChars < 0 || o.HeldOutChars < 0 || o.HeldOutComparisons < 0)
        {
            throw new ArgumentException("Sizes must not be negative.", nameof(o));
        }
        foreach (double p in new[] { o.TwoRoundFraction, o.ThemeSpecificAnswerShare, o.RelevantPrincipleShare })
        {
            if (!(p >= 0 && p <= 1)) throw new ArgumentException("Fractions must be within [0, 1].", nameof(o));
        }
        DemoCorpusMix m = o.EffectiveMix;
        double[] w = [m.SlRedTeamHarmfulFirst, m.SlRedTeamHarmlessFirst, m.SlHelpfulGoodFirst, m.SlHelpfulUnhelpfulFirst,
            m.PlainRedTeam, m.PlainHelpful, m.ComparisonRedTeam, m.ComparisonHelpful];
        if (w.Any(x => !(x >= 0) || double.IsInfinity(x)) || w.Sum() <= 0)
        {
            throw new ArgumentException("Mix weights must be finite, non-negative, and not all zero.", nameof(o));
        }
        if (m.ComparisonRedTeam + m.ComparisonHelpful <= 0 && o.HeldOutComparisons > 0)
        {
            throw new ArgumentException("Held-out comparison items need a positive comparison weight.", nameof(o));
        }
    }

    private enum Perspective { Request, Answer, Critique }

    private enum Kind { SlRedHarmful, SlRedHarmless, SlHelpGood, SlHelpBad, PlainRed, PlainHelp, CmpRed, CmpHelp }

    /// <summary>One sampled situation: a theme, a request template and one filler per slot.</summary>
    private sealed record Scenario(Theme Theme, int RequestTemplate, IReadOnlyDictionary<string, string> Fillers);

    [GeneratedRegex(@"\b(I'm|I've|I'd|I'll|I|me|my|mine|myself|My|Me)\b", RegexOptions.CultureInvariant)]
    private static partial Regex FirstPerson();

    private sealed class Factory(ScenarioLibrary lib, DemoCorpusInputs inputs, DemoCorpusOptions options, DemoRandom rng,
        IReadOnlyDictionary<string, int> heldOutTemplate, bool heldOut)
    {
        private readonly Theme[] redThemes = lib.Themes.Where(t => t.RedTeam).ToArray();
        private readonly Theme[] helpThemes = lib.Themes.Where(t => !t.RedTeam).ToArray();

        public List<CorpusDocument> Documents(int charBudget)
        {
            DemoCorpusMix m = options.EffectiveMix;
            (Kind Kind, double W)[] weights =
            [
                (Kind.SlRedHarmful, m.SlRedTeamHarmfulFirst), (Kind.SlRedHarmless, m.SlRedTeamHarmlessFirst),
                (Kind.SlHelpGood, m.SlHelpfulGoodFirst), (Kind.SlHelpBad, m.SlHelpfulUnhelpfulFirst),
                (Kind.PlainRed, m.PlainRedTeam), (Kind.PlainHelp, m.PlainHelpful),
                (Kind.CmpRed, m.ComparisonRedTeam), (Kind.CmpHelp, m.ComparisonHelpful),
            ];
            double total = weights.Sum(w => w.W);
            var docs = new List<CorpusDocument>();
            long chars = 0;
            while (chars < charBudget)
            {
                double r = rng.NextDouble() * total;
                Kind kind = weights[^1].Kind;
                foreach (var (k, w) in weights)
                {
                    if (r < w) { kind = k; break; }
                    r -= w;
                }
                CorpusDocument doc = Make(kind);
                docs.Add(doc);
                chars += doc.Text.Length + Tokenization.ByteLevel.EndOfText.Length;
            }
            return docs;
        }

        public List<ComparisonItem> ComparisonItems(int count)
        {
            DemoCorpusMix m = options.EffectiveMix;
            double redShare = m.ComparisonRedTeam / (m.ComparisonRedTeam + m.ComparisonHelpful);
            // Exactly balanced A/B, in random order.
            var correct = new char[count];
            for (int i = 0; i < count; i++) correct[i] = i % 2 == 0 ? 'A' : 'B';
            for (int i = count - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (correct[i], correct[j]) = (correct[j], correct[i]);
            }
            var items = new List<ComparisonItem>(count);
            for (int i = 0; i < count; i++)
            {
                items.Add(Comparison(Sample(rng.Chance(redShare)), correct[i]));
            }
            return items;
        }

        private CorpusDocument Make(Kind kind)
        {
            switch (kind)
            {
                case Kind.SlRedHarmful: return CritiqueRevision(Sample(redTeam: true), harmfulFirst: true);
                case Kind.SlRedHarmless: return CritiqueRevision(Sample(redTeam: true), harmfulFirst: false);
                case Kind.SlHelpGood: return CritiqueRevision(Sample(redTeam: false), harmfulFirst: false);
                case Kind.SlHelpBad: return CritiqueRevision(Sample(redTeam: false), harmfulFirst: true);
                case Kind.PlainRed:
                case Kind.PlainHelp:
                {
                    Scenario s = Sample(kind == Kind.PlainRed);
                    string prompt = Prompt(s), answer = GoodAnswer(s);
                    return new CorpusDocument(CorpusDocumentKind.Plain, s.Theme.Id, s.Theme.RedTeam, s.RequestTemplate, 0, false, null,
                        DemoFormats.Exchange(prompt, answer), [prompt, answer]);
                }
                default:
                {
                    Scenario s = Sample(kind == Kind.CmpRed);
                    ComparisonItem item = Comparison(s, rng.Chance(0.5) ? 'A' : 'B');
                    return new CorpusDocument(CorpusDocumentKind.Comparison, s.Theme.Id, s.Theme.RedTeam, s.RequestTemplate, 0, false,
                        item, item.FeedbackPrompt + item.CorrectContinuation);
                }
            }
        }

        private CorpusDocument CritiqueRevision(Scenario s, bool harmfulFirst)
        {
            string first = harmfulFirst ? BadAnswer(s) : GoodAnswer(s);
            CritiqueRevisionRequests p1 = PickPrinciple(s, harmfulFirst, exclude: null);
            string critique = harmfulFirst ? CritiqueOfBad(s, p1.Id) : CritiqueOfGood(s);
            string revision = harmfulFirst ? GoodAnswer(s) : first;
            string prompt = Prompt(s);
            var text = new StringBuilder(DemoFormats.Exchange(prompt, first))
                .Append(DemoFormats.Round(p1.CritiqueRequest, critique, p1.RevisionRequest, revision));
            var turns = new List<string> { prompt, first, p1.CritiqueRequest, critique, p1.RevisionRequest, revision };
            int rounds = 1;
            if (rng.Chance(options.TwoRoundFraction))
            {
                CritiqueRevisionRequests p2 = PickPrinciple(s, harmfulFirst: false, exclude: p1.Id);
                string secondCritique = CritiqueOfGood(s);
                text.Append(DemoFormats.Round(p2.CritiqueRequest, secondCritique, p2.RevisionRequest, revision));
                turns.AddRange([p2.CritiqueRequest, secondCritique, p2.RevisionRequest, revision]);
                rounds = 2;
            }
            return new CorpusDocument(CorpusDocumentKind.CritiqueRevision, s.Theme.Id, s.Theme.RedTeam, s.RequestTemplate, rounds,
                harmfulFirst, null, text.ToString(), turns);
        }

        private ComparisonItem Comparison(Scenario s, char correct) =>
            new(s.Theme.Id, s.Theme.RedTeam, s.RequestTemplate, Prompt(s), GoodAnswer(s), BadAnswer(s),
                rng.Pick(inputs.ComparisonQuestions), correct);

        private Scenario Sample(bool redTeam)
        {
            Theme theme = rng.Pick(redTeam ? redThemes : helpThemes);
            int reserved = heldOutTemplate[theme.Id];
            int template;
            if (heldOut)
            {
                template = reserved;
            }
            else
            {
                template = rng.Next(theme.Requests.Count - 1);
                if (template >= reserved) template++;
            }
            var fillers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, values) in theme.Slots.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                fillers[name] = rng.Pick(values);
            }
            return new Scenario(theme, template, fillers);
        }

        private CritiqueRevisionRequests PickPrinciple(Scenario s, bool harmfulFirst, string? exclude)
        {
            IReadOnlyList<string> tagged = s.Theme.RedTeam ? s.Theme.Principles : UnhelpfulAnswerPrinciples;
            var pool = inputs.CritiqueRevision.Where(p => p.Id != exclude).ToArray();
            if (pool.Length == 0) pool = inputs.CritiqueRevision.ToArray();
            var relevant = pool.Where(p => tagged.Contains(p.Id)).ToArray();
            return harmfulFirst && relevant.Length > 0 && rng.Chance(options.RelevantPrincipleShare)
                ? rng.Pick(relevant)
                : rng.Pick(pool);
        }

        private string Prompt(Scenario s) => Render(s.Theme.Requests[s.RequestTemplate], s, Perspective.Request);

        /// <summary>Red-team: the harmless reply. Helpful: the genuinely helpful reply.</summary>
        private string GoodAnswer(Scenario s)
        {
            bool own = !s.Theme.RedTeam || !s.Theme.UseGenericAnswers || rng.Chance(options.ThemeSpecificAnswerShare);
            return Render(own ? rng.Pick(s.Theme.Harmless) : rng.Pick(lib.Generic["harmless"]), s, Perspective.Answer);
        }

        /// <summary>Red-team: an eager, vague, harmful reply. Helpful: a needless refusal or a rude brush-off.</summary>
        private string BadAnswer(Scenario s)
        {
            string template;
            if (!s.Theme.RedTeam)
            {
                template = rng.Pick(lib.Generic[rng.Chance(0.5) ? "refusal" : "rude"]);
            }
            else
            {
                bool own = s.Theme.Harmful.Count > 0 && (!s.Theme.UseGenericAnswers || rng.Chance(options.ThemeSpecificAnswerShare));
                template = own ? rng.Pick(s.Theme.Harmful) : rng.Pick(lib.Generic["harmful"]);
            }
            return Render(template, s, Perspective.Answer);
        }

        private string CritiqueOfBad(Scenario s, string principleId)
        {
            bool red = s.Theme.RedTeam;
            var parts = new List<string>(3);
            var openers = red ? lib.Openers : lib.UnhelpfulOpeners;
            IReadOnlyList<string> tagged = red ? s.Theme.Principles : UnhelpfulAnswerPrinciples;
            if (tagged.Contains(principleId) && openers.TryGetValue(principleId, out string[]? forPrinciple))
            {
                parts.Add(rng.Pick(forPrinciple));
            }
            if (red && s.Theme.CritiqueOfHarmful.Count > 0)
            {
                parts.Add(rng.Pick(s.Theme.CritiqueOfHarmful));
            }
            else
            {
                parts.Add(rng.Pick(lib.Generic[red ? "critique-harmful" : "critique-unhelpful"]));
                parts.Add(rng.Pick(lib.Generic[red ? "critique-fix" : "critique-unhelpful-fix"]));
            }
            return Render(string.Join(" ", parts), s, Perspective.Critique);
        }

        private string CritiqueOfGood(Scenario s) => Render(
            s.Theme.CritiqueOfHarmless.Count > 0
                ? rng.Pick(s.Theme.CritiqueOfHarmless)
                : rng.Pick(lib.Generic[s.Theme.RedTeam ? "critique-fine" : "critique-helpful-fine"]),
            s, Perspective.Critique);

        private static string Render(string template, Scenario s, Perspective p) =>
            ScenarioLibrary.Placeholder().Replace(template, m =>
            {
                string name = m.Groups[1].Value;
                bool capital = char.IsUpper(name[0]);
                string key = char.ToLowerInvariant(name[0]) + name[1..];
                string value = key switch
                {
                    "task" => Field(s.Theme.Task, s, p),
                    "harm" => Field(s.Theme.Harm, s, p),
                    "alt" => Field(s.Theme.Alt, s, p),
                    _ => Swap(s.Fillers[key], p),
                };
                return capital && value.Length > 0 ? char.ToUpperInvariant(value[0]) + value[1..] : value;
            });

        // Theme fields speak of "the user"; in an answer that is "you".
        private static string Field(string template, Scenario s, Perspective p)
        {
            string text = Render(template, s, p);
            return p == Perspective.Answer
                ? text.Replace("the user's", "your", StringComparison.Ordinal).Replace("the user", "you", StringComparison.Ordinal)
                : text;
        }

        // Slot fillers are written as the user says them ("my ex"): an answer says "your ex", a critique "their ex".
        private static string Swap(string filler, Perspective p) => p switch
        {
            Perspective.Request => filler,
            _ => FirstPerson().Replace(filler, m =>
            {
                bool answer = p == Perspective.Answer;
                return m.Value switch
                {
                    "I'm" => answer ? "you're" : "they're",
                    "I've" => answer ? "you've" : "they've",
                    "I'd" => answer ? "you'd" : "they'd",
                    "I'll" => answer ? "you'll" : "they'll",
                    "I" => answer ? "you" : "they",
                    "me" => answer ? "you" : "them",
                    "Me" => answer ? "You" : "Them",
                    "my" => answer ? "your" : "their",
                    "My" => answer ? "Your" : "Their",
                    "mine" => answer ? "yours" : "theirs",
                    "myself" => answer ? "yourself" : "themselves",
                    _ => m.Value,
                };
            }),
        };
    }
}
