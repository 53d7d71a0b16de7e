using System.Security.Cryptography;
using System.Text;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Models.Preference;
using CaiEvents.Workers.PMTrainer;

namespace CaiEvents.UnitTests.Preference;

public class HumanComparisonMixTests
{
    private static PreferenceTrainingItem Ai(int n, string prompt) =>
        new(new Guid(n, 0, 0, new byte[8]), prompt, "a", "b", 0.7, ["x"], LabelId: new Guid(n, 1, 0, new byte[8]));

    private static PreferenceTrainingItem Human(int n, string prompt) =>
        new(new Guid(n, 2, 0, new byte[8]), prompt, "chosen", "rejected", 1.0, [], Import: new ImportOrigin("h.jsonl", n, $"line-{n}"));

    [Fact]
    public void Metrics_of_one_source_use_only_its_pairs()
    {
        // Group: q 0.9 (right, confidence 0.9) and 0.3 (wrong, confidence 0.7): accuracy ½, ECE (|1 − 0.9| + |0 − 0.7|) / 2 = 0.4.
        // Others: 0.8 vs target 0.7 (right, 0.8) and 0.4 vs 1 (wrong, 0.6): accuracy ½, ECE (0.2 + 0.6) / 2 = 0.4.
        double[] q = [0.9, 0.3, 0.8, 0.4];
        double[] t = [1, 1, 0.7, 1];
        var (n, accuracy, ece) = PreferenceMetrics.ForGroup(q, t, [true, true, false, false]);
        Assert.Equal(2, n);
        Assert.Equal(0.5, accuracy, 12);
        Assert.Equal(0.4, ece, 12);
        var others = PreferenceMetrics.ForGroup(q, t, [false, false, true, true]);
        Assert.Equal((2, 0.5), (others.Pairs, others.Accuracy));
        Assert.Equal(0.4, others.Ece, 12);
        Assert.True(double.IsNaN(PreferenceMetrics.ForGroup(q, t, [false, false, false, false]).Accuracy));
    }

    [Fact]
    public void The_split_holds_out_prompts_of_both_kinds_and_leaves_an_ai_only_split_as_it_was()
    {
        var ai = Enumerable.Range(1, 4).Select(i => Ai(i, $"p{i}")).ToList();
        var human = Enumerable.Range(1, 2).Select(i => Human(i, $"h{i}")).ToList();
        var (_, heldOut) = new PreferenceTrainingSet(Guid.Empty, 1, [.. ai, .. human]).Split(7, 0.25);
        // ceil(0.25 · 4) = 1 AI prompt and ceil(0.25 · 2) = 1 human prompt.
        Assert.Single(heldOut, i => !i.IsHuman);
        Assert.Single(heldOut, i => i.IsHuman);

        // AI alone: the first ceil(0.25 · 4) prompts in sha256("7\n" + prompt) order, as before human pairs existed.
        var expected = ai.Select(i => i.Prompt)
            .OrderBy(p => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"7\n{p}"))), StringComparer.Ordinal).First();
        Assert.Equal(expected, Assert.Single(new PreferenceTrainingSet(Guid.Empty, 1, ai).Split(7, 0.25).HeldOut).Prompt);
    }

    [Fact]
    public void An_ai_only_set_hashes_as_before_and_a_human_pair_changes_the_hash_and_names_its_source()
    {
        var item = Ai(1, "p");
        var set = new PreferenceTrainingSet(Guid.Empty, 1, [item]);
        // The documented hash input: a JSON list of [pair id, prompt, A, B, P(A) round-trip, principles] per item.
        var json = $"[[\"{item.PairId}\",\"p\",\"a\",\"b\",\"0.7\",[\"x\"]]]";
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))), set.Hash);
        Assert.False(set.HasHumanPairs);

        var mixed = new PreferenceTrainingSet(Guid.Empty, 1, [item, Human(3, "h")]);
        Assert.NotEqual(set.Hash, mixed.Hash);
        var sources = mixed.Sources(7, 0);
        Assert.Equal([PreferencePairSource.Ai, PreferencePairSource.Human], sources.Select(s => s.Kind));
        Assert.Equal(item.LabelId, sources[0].LabelId);
        Assert.Null(sources[0].Import);
        Assert.Equal(new ImportOrigin("h.jsonl", 3, "line-3"), sources[1].Import);
        Assert.All(sources, s => Assert.False(s.HeldOut));
    }

    [Fact]
    public void Human_keys_are_parsed_and_enter_the_job_id_only_when_given()
    {
        var run = Guid.NewGuid();
        var human = Guid.NewGuid();
        var hp = PreferenceModelRequest.Parse(new Dictionary<string, string> { ["human_run"] = human.ToString(), ["human_fraction"] = "0.25" });
        Assert.Equal((human, 0.25), (hp.HumanRunId, hp.HumanFraction));
        Assert.Null(PreferenceModelRequest.Parse(null).HumanRunId);
        Assert.Contains("'human_fraction' needs 'human_run'",
            Assert.Throws<ArgumentException>(() => PreferenceModelRequest.Parse(new Dictionary<string, string> { ["human_fraction"] = "0.5" })).Message);
        Assert.Contains("(0, 1)", Assert.Throws<ArgumentException>(() => PreferenceModelRequest.Parse(
            new Dictionary<string, string> { ["human_run"] = human.ToString(), ["human_fraction"] = "1" })).Message);

        // Without human keys the id is that of the defaults spelled out; with them it is another job.
        var plain = PreferenceModelRequest.JobId(run, 10, 1, null);
        Assert.Equal(plain, PreferenceModelRequest.JobId(run, 10, 1, new Dictionary<string, string>(PreferenceModelRequest.Defaults)));
        Assert.NotEqual(plain, PreferenceModelRequest.JobId(run, 10, 1, new Dictionary<string, string> { ["human_run"] = human.ToString() }));
    }
}
