using System.Text;
using System.Text.RegularExpressions;
using CaiEvents.Models.Tokenization;
using Microsoft.ML.Tokenizers;

namespace CaiEvents.UnitTests.Tokenization;

public class BpeTrainerTests
{
    // Small training text in this project's own words, with some repetition so that merges have something to find.
    private static readonly string[] Sample =
    [
        "Human: How do I keep basil alive on a windowsill?\n\nAssistant: Give it a bright spot, water it when the top of the soil feels dry, and pinch off flower buds so the leaves keep coming.",
        "Human: What's a quick way to check my bicycle tyres?\n\nAssistant: Squeeze each tyre: it should feel firm. Look for cracks or anything stuck in the tread, and pump it to the pressure printed on the side.",
        "Critique Request: Point out anything unsafe in the reply.\n\nCritique: The reply is already fine; it's practical and harmless.\n\nRevision Request: Rewrite the reply if needed.\n\nRevision: Give it a bright spot and water it when the soil feels dry.",
        "Numbers like 2024, 3.14 and 1,000,000 appear too; so do contractions: I'm, you're, they've, we'll, she'd, it's, don't.",
        "Options:\n(A) I can't help with that.\n(B) Sure, here's how.\nThe answer is: (A)",
    ];

    private static IEnumerable<string> TrainingText() =>
        Enumerable.Range(0, 20).SelectMany(i => Sample.Select(s => s + (i % 3 == 0 ? "\n" : " ") + ByteLevel.EndOfText));

    private static readonly string[] Probes =
    [
        "Hello, world!",
        "Human: Can you help me water my basil?\n\nAssistant:",
        "  leading spaces, trailing spaces   ",
        "tabs\tand\r\nwindows newlines\n\n\n",
        "Émojis 🙂🌧️ and flags 🇫🇷 survive; so do 日本語の文字 and Ünïcödé, ß and ﬁ ligatures.",
        "combining: e\u0301 and zero-width\u200Bjoiner",
        "text with " + ByteLevel.EndOfText + " inside, and <|endoftext| almost",
        "numbers 1234567890 and symbols #$%^&*()_+-=[]{}|;':\",./<>?`~",
        "don't won't I'M YOU'RE it's 'quoted'",
        "",
        "\u0000\u0001 control bytes \u007F",
    ];

    [Fact]
    public void Training_is_deterministic_and_reaches_the_target_size()
    {
        var a = BpeTrainer.Train(TrainingText(), new BpeTrainerOptions(VocabSize: 400), out var report);
        var b = BpeTrainer.Train(TrainingText(), new BpeTrainerOptions(VocabSize: 400));

        Assert.Equal(400, a.VocabSize);
        Assert.Equal(400 - 256 - 1, report.MergeCount);
        Assert.Equal(a.Merges, b.Merges);
        Assert.Equal(a.VocabJson(), b.VocabJson());
        Assert.Equal(399, a.EndOfTextId);
        Assert.True(a.IsSpecial(a.EndOfTextId));
        for (int id = 0; id < 256; id++)
        {
            Assert.Equal(ByteLevel.ByteToChar((byte)id).ToString(), a.IdToToken(id));
        }
    }

    [Fact]
    public void Incremental_pair_counts_give_the_same_merges_as_recounting_every_time()
    {
        var trained = BpeTrainer.Train(TrainingText(), new BpeTrainerOptions(VocabSize: 330));
        Assert.Equal(NaiveMerges(TrainingText(), 330 - 257), trained.Merges);
    }

    [Fact]
    public void Training_stops_early_when_no_pair_repeats()
    {
        var t = BpeTrainer.Train(["ab ab cd"], new BpeTrainerOptions(VocabSize: 1000), out var report);
        Assert.True(report.MergeCount < 10);
        Assert.Equal(256 + report.MergeCount + 1, t.VocabSize);
        Assert.Equal("ab ab cd", t.Decode(t.Encode("ab ab cd")));
    }

    [Fact]
    public void Own_encoding_round_trips_arbitrary_text()
    {
        var t = BpeTrainer.Train(TrainingText(), new BpeTrainerOptions(VocabSize: 400));
        foreach (string probe in Probes)
        {
            int[] ids = t.Encode(probe);
            Assert.Equal(probe, t.Decode(ids));
            Assert.All(ids, id => Assert.InRange(id, 0, t.VocabSize - 1));
        }

        int[] withEot = t.Encode("a" + ByteLevel.EndOfText + "b");
        Assert.Contains(t.EndOfTextId, withEot);
        Assert.Equal("ab", t.Decode(withEot, skipSpecial: true));
        Assert.True(t.Encode(Sample[0]).Length < Encoding.UTF8.GetByteCount(Sample[0]) / 2, "merges should compress seen text");
    }

    [Fact]
    public void Saved_files_have_the_gpt2_layout_and_load_back_identically()
    {
        var t = BpeTrainer.Train(TrainingText(), new BpeTrainerOptions(VocabSize: 400));
        string dir = TempDir();
        t.Save(dir);

        string[] mergeLines = File.ReadAllLines(Path.Combine(dir, "merges.txt"));
        Assert.Equal("#version: 0.2", mergeLines[0]);
        Assert.Equal(t.Merges.Count, mergeLines.Length - 1);
        Assert.All(mergeLines.Skip(1), l => Assert.Matches(@"^\S+ \S+$", l));

        var loaded = ByteLevelBpeTokenizer.Load(dir);
        Assert.Equal(t.Merges, loaded.Merges);
        Assert.Equal(t.VocabSize, loaded.VocabSize);
        foreach (string probe in Probes) Assert.Equal(t.Encode(probe), loaded.Encode(probe));
    }

    [Fact]
    public void Microsoft_ML_Tokenizers_loads_the_files_and_agrees_with_our_encoding()
    {
        var ours = BpeTrainer.Train(TrainingText(), new BpeTrainerOptions(VocabSize: 400));
        string dir = TempDir();
        ours.Save(dir);

        var specials = new Dictionary<string, int> { [ByteLevel.EndOfText] = ours.EndOfTextId };
        var reference = BpeTokenizer.Create(new BpeOptions(Path.Combine(dir, "vocab.json"), Path.Combine(dir, "merges.txt"))
        {
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(new Regex(ByteLevel.Gpt2Pattern, RegexOptions.CultureInvariant), specials),
            SpecialTokens = specials,
        });

        foreach (string probe in Probes.Concat(Sample))
        {
            IReadOnlyList<int> theirs = reference.EncodeToIds(probe);
            Assert.Equal(ours.Encode(probe), theirs);
            Assert.Equal(probe, reference.Decode(theirs));
        }
    }

    // Reference trainer: recount every pair over every word before each merge. Slow but obviously right.
    private static List<(string, string)> NaiveMerges(IEnumerable<string> texts, int merges)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            foreach (var (piece, special) in ByteLevel.SplitSpecial(text, [ByteLevel.EndOfText]))
            {
                if (special) continue;
                foreach (string w in ByteLevel.PreTokenize(piece)) counts[w] = counts.GetValueOrDefault(w) + 1;
            }
        }
        var words = counts.Select(kv => (Syms: Encoding.UTF8.GetBytes(kv.Key).Select(b => (int)b).ToList(), Freq: kv.Value)).ToList();
        var tokens = Enumerable.Range(0, 256).Select(b => ByteLevel.ByteToChar((byte)b).ToString()).ToList();
        var result = new List<(string, string)>();
        while (result.Count < merges)
        {
            var pairs = new Dictionary<(int, int), long>();
            foreach (var (syms, f) in words)
            {
                for (int i = 0; i + 1 < syms.Count; i++) pairs[(syms[i], syms[i + 1])] = pairs.GetValueOrDefault((syms[i], syms[i + 1])) + f;
            }
            if (pairs.Count == 0) break;
            var best = pairs.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2).First();
            if (best.Value < 2) break;
            var (l, r) = best.Key;
            int merged = tokens.Count;
            tokens.Add(tokens[l] + tokens[r]);
            result.Add((tokens[l], tokens[r]));
            foreach (var (syms, _) in words)
            {
                for (int i = 0; i + 1 < syms.Count; i++)
                {
                    if (syms[i] == l && syms[i + 1] == r)
                    {
                        syms[i] = merged;
                        syms.RemoveAt(i + 1);
                    }
                }
            }
        }
        return result;
    }

    private static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "cai-bpe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
