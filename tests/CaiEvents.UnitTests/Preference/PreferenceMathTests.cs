using System.Text;
using CaiEvents.Domain;
using CaiEvents.Domain.Preferences;
using CaiEvents.Models;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Training;
using CaiEvents.UnitTests.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Preference;

public class BradleyTerryTests
{
    [Theory]
    // −log σ(1.6) = log(1 + e^−1.6) and −log σ(−0.7) = log(1 + e^0.7), computed by hand.
    [InlineData(1.6, 1.0, 0.1839007408883388)]
    [InlineData(-0.7, 1.0, 1.103186048885458)]
    // Hard label for B: the same numbers mirrored.
    [InlineData(-1.6, 0.0, 0.1839007408883388)]
    // Soft: 0.7·log(1 + e^−0.5) + 0.3·log(1 + e^0.5).
    [InlineData(0.5, 0.7, 0.6240769841801066)]
    public void Loss_matches_hand_computed_values(double margin, double p, double expected)
    {
        Assert.Equal(expected, BradleyTerry.Loss(margin, p), 12);
        using var scope = NewDisposeScope();
        var t = BradleyTerry.Loss(tensor(new[] { (float)margin }), tensor(new[] { 0f }), tensor(new[] { (float)p }));
        Assert.Equal(expected, t.item<float>(), 5);
    }

    [Fact]
    public void A_confident_correct_margin_costs_less_than_a_wrong_one_and_a_wrong_one_costs_more_than_chance()
    {
        Assert.True(BradleyTerry.Loss(1.6, 1) < Math.Log(2));
        Assert.True(BradleyTerry.Loss(-0.7, 1) > Math.Log(2));
        Assert.Equal(Math.Log(2), BradleyTerry.Loss(0, 1), 12);
    }

    [Theory]
    [InlineData(1.6, 1.0, -0.16798161486607555)]
    [InlineData(-0.7, 1.0, -0.6681877721681662)]
    public void Autograd_pushes_the_chosen_score_up_and_the_rejected_score_down(double margin, double p, double expectedGradient)
    {
        using var scope = NewDisposeScope();
        var rA = tensor(new[] { (float)margin }).requires_grad_(true);
        var rB = tensor(new[] { 0f }).requires_grad_(true);
        BradleyTerry.Loss(rA, rB, tensor(new[] { (float)p })).backward();

        var gradA = rA.grad!.item<float>();
        var gradB = rB.grad!.item<float>();
        Assert.True(gradA < 0, "descent must raise r_chosen");
        Assert.True(gradB > 0, "descent must lower r_rejected");
        Assert.Equal(expectedGradient, gradA, 5);
        Assert.Equal(-expectedGradient, gradB, 5);
        Assert.Equal(expectedGradient, BradleyTerry.MarginGradient(margin, p), 12);
        // The wrong-way margin gets the bigger push.
        Assert.True(Math.Abs(BradleyTerry.MarginGradient(-0.7, 1)) > Math.Abs(BradleyTerry.MarginGradient(1.6, 1)));
    }

    [Fact]
    public void Soft_target_gradient_vanishes_where_the_model_agrees_with_the_target()
    {
        var m = Math.Log(0.7 / 0.3); // σ(m) = 0.7
        Assert.Equal(0, BradleyTerry.MarginGradient(m, 0.7), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => BradleyTerry.Loss(0, 1.2));
    }
}

public class PreferenceMetricsTests
{
    [Fact]
    public void Accuracy_counts_sides_and_skips_undecided_targets()
    {
        double[] q = [0.9, 0.8, 0.3, 0.6, 0.2];
        double[] t = [1.0, 0.7, 0.9, 0.0, 0.5];
        Assert.Equal(0.5, PreferenceMetrics.Accuracy(q, t), 12);
    }

    [Fact]
    public void Ece_is_the_count_weighted_gap_between_accuracy_and_confidence_per_bin()
    {
        // Confidences 0.9, 0.8, 0.7, 0.6 fall in four bins; correct, correct, wrong, wrong:
        // (|1 − 0.9| + |1 − 0.8| + |0 − 0.7| + |0 − 0.6|) / 4 = 0.4.
        Assert.Equal(0.4, PreferenceMetrics.ExpectedCalibrationError([0.9, 0.8, 0.3, 0.6], [1, 1, 1, 0]), 12);
        // One bin (0.75..0.8): confidences 0.78 and 0.76 (from q = 0.24), one right: |0.5 − 0.77| = 0.27.
        Assert.Equal(0.27, PreferenceMetrics.ExpectedCalibrationError([0.78, 0.24], [1, 1]), 12);
        // Perfectly calibrated: 4 pairs at confidence 0.75, 3 right.
        Assert.Equal(0, PreferenceMetrics.ExpectedCalibrationError([0.75, 0.75, 0.75, 0.25], [1, 1, 1, 1]), 12);
    }

    [Fact]
    public void Reliability_bins_split_confidence_from_one_half_to_one_and_count_mean_confidence_and_share_right_per_bin()
    {
        // Confidences: 0.9 (right), 0.8 and 0.8 from q = 0.2 (both right: target B), 0.55 (wrong), 1.0 (right, in the last, closed bin);
        // the pair with t = ½ takes no side and is left out.
        double[] q = [0.9, 0.8, 0.2, 0.55, 1.0, 0.7];
        double[] t = [1, 1, 0, 0, 1, 0.5];
        var bins = PreferenceMetrics.ReliabilityBins(q, t, bins: 5);
        Assert.Equal([0.5, 0.6, 0.7, 0.8, 0.9], bins.Select(b => Math.Round(b.Lower, 12)));
        Assert.Equal([0.6, 0.7, 0.8, 0.9, 1.0], bins.Select(b => Math.Round(b.Upper, 12)));
        Assert.Equal([1, 0, 0, 2, 2], bins.Select(b => b.Count));
        Assert.Equal([0.55, null, null, 0.8, 0.95], bins.Select(b => b.MeanPredicted is { } m ? Math.Round(m, 12) : (double?)null));
        Assert.Equal([0.0, null, null, 1.0, 1.0], bins.Select(b => b.ObservedFraction));
    }

    [Fact]
    public void The_ece_of_the_bins_is_the_ece_of_the_pairs_and_no_counted_pair_gives_empty_bins_and_nan()
    {
        var random = new Random(7);
        var q = Enumerable.Range(0, 200).Select(_ => random.NextDouble()).ToList();
        var t = Enumerable.Range(0, 200).Select(_ => random.NextDouble() < 0.6 ? 1.0 : 0.0).ToList();
        var bins = PreferenceMetrics.ReliabilityBins(q, t);
        // Each pair's bin, confidence and correctness, worked out here from the definitions rather than by the code under test.
        var pairs = q.Select((p, i) => (Confidence: Math.Max(p, 1 - p), Right: p >= 0.5 == t[i] > 0.5))
            .Select(x => (Bin: x.Confidence >= 1 ? 9 : (int)((x.Confidence - 0.5) / 0.05), x.Confidence, x.Right)).ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(k => pairs.Count(x => x.Bin == k)), bins.Select(b => b.Count));
        for (var k = 0; k < 10; k++)
        {
            var members = pairs.Where(x => x.Bin == k).ToList();
            if (members.Count == 0) continue;
            Assert.Equal(members.Average(x => x.Confidence), bins[k].MeanPredicted!.Value, 12);
            Assert.Equal(members.Count(x => x.Right) / (double)members.Count, bins[k].ObservedFraction!.Value, 12);
        }
        var expected = pairs.GroupBy(x => x.Bin)
            .Sum(g => g.Count() / 200.0 * Math.Abs(g.Count(x => x.Right) / (double)g.Count() - g.Average(x => x.Confidence)));
        Assert.Equal(expected, PreferenceMetrics.ExpectedCalibrationError(q, t), 12);
        Assert.Equal(expected, PreferenceMetrics.ExpectedCalibrationError(bins), 12);
        Assert.True(expected > 0);

        var none = PreferenceMetrics.ReliabilityBins([0.9, 0.1], [0.5, 0.5]);
        Assert.All(none, b => Assert.Equal((0, (double?)null, (double?)null), (b.Count, b.MeanPredicted, b.ObservedFraction)));
        Assert.True(double.IsNaN(PreferenceMetrics.ExpectedCalibrationError(none)));
    }
}

public class PmpDataTests
{
    [Theory]
    [InlineData(0, false, 0)]   // log2(1) = 0
    [InlineData(1, false, 1)]   // log2(2) = 1
    [InlineData(2, false, 2)]   // log2(3) = 1.58 → 2
    [InlineData(4, false, 2)]   // log2(5) = 2.32 → 2
    [InlineData(14, true, 5)]   // log2(15) = 3.91 → 4, + 1 accepted
    [InlineData(-3, false, -1)] // negative votes
    [InlineData(-3, true, 0)]   // negative votes, accepted anyway
    public void Score_follows_the_pmp_rule(int votes, bool accepted, int expected) =>
        Assert.Equal(expected, PmpData.Score(votes, accepted));

    private static PmpQuestion Question(string id, params (int Votes, bool Accepted)[] answers) =>
        new(1, id, "q " + id, answers.Select((a, i) => new PmpAnswer($"{id}-answer-{i}", a.Votes, a.Accepted)).ToList());

    [Fact]
    public void Pairs_stay_within_a_question_skip_equal_scores_and_put_the_higher_score_first()
    {
        // Scores: 1 (votes 1), 1 (votes 1), 2 (votes 3), −1 (votes −2). Pairs with different scores: 5 of 6.
        var questions = new[] { Question("a", (1, false), (1, false), (3, false), (-2, false)), Question("b", (0, false), (0, true)) };
        var pairs = PmpData.SamplePairs(questions, maxPairsPerQuestion: 100, seed: 1);

        Assert.Equal(5, pairs.Count(p => p.QuestionId == "a"));
        Assert.Single(pairs, p => p.QuestionId == "b");
        Assert.All(pairs, p => Assert.True(p.BetterScore > p.WorseScore));
        Assert.All(pairs, p => Assert.StartsWith(p.QuestionId + "-", p.Better));
        Assert.All(pairs, p => Assert.StartsWith(p.QuestionId + "-", p.Worse));
        Assert.DoesNotContain(pairs, p => p.Better == "a-answer-0" && p.Worse == "a-answer-1" || p.Better == "a-answer-1" && p.Worse == "a-answer-0");
        Assert.Equal(pairs.Count, pairs.Select(p => (p.Better, p.Worse)).Distinct().Count());
        Assert.Contains(pairs, p => p.Better == "b-answer-1" && p.Worse == "b-answer-0");
    }

    [Fact]
    public void Sampling_is_capped_per_question_and_a_pure_function_of_the_seed()
    {
        var questions = new[] { Question("a", (0, false), (1, false), (3, false), (7, false), (15, false)) }; // 10 distinct-score pairs
        var first = PmpData.SamplePairs(questions, 3, seed: 5);
        Assert.Equal(3, first.Count);
        Assert.Equal(first, PmpData.SamplePairs(questions, 3, seed: 5));
        var seeds = Enumerable.Range(0, 20).Select(s => string.Join("|", PmpData.SamplePairs(questions, 3, s).Select(p => p.Better + p.Worse))).Distinct().Count();
        Assert.True(seeds > 1, "different seeds should draw different pairs");
    }

    [Fact]
    public void The_shipped_file_loads_and_gives_pairs()
    {
        var questions = PmpData.LoadFile(Path.Combine(TestPaths.RepoRoot(), "src/CaiEvents.Domain/Data/pmp/sample-qa.jsonl"));
        Assert.True(questions.Count >= 10);
        Assert.NotEmpty(PmpData.SamplePairs(questions, 3, 1));
    }

    [Theory]
    [InlineData("{\"question\": \"q\", \"answers\": [{\"text\": \"a\", \"votes\": 1}]}", "needs at least 2 answers")]
    [InlineData("{\"question\": \"q\", \"answers\": [{\"text\": \"a\", \"votes\": 1.5}, {\"text\": \"b\", \"votes\": 0}]}", "answers[0].votes")]
    [InlineData("{\"answers\": []}", "'question' is required")]
    [InlineData("{\"question\": \"q\", \"answers\": [{\"text\": \"a\", \"votes\": 1, \"score\": 2}, {\"text\": \"b\", \"votes\": 0}]}", "unknown key 'score'")]
    public void Bad_lines_name_the_file_line_and_field(string line, string problem)
    {
        var e = Assert.Throws<InputException>(() => PmpData.Parse(Encoding.UTF8.GetBytes("\n" + line + "\n"), "qa.jsonl"));
        Assert.StartsWith("qa.jsonl:2:", e.Message);
        Assert.Contains(problem, e.Message);
    }
}

public class PreferenceTrainerTests
{
    private static IReadOnlyList<PreferencePair> Pairs(RewardModel model) =>
    [
        new(model.Encode("Can you help?", "Yes, gladly."), model.Encode("Can you help?", "No, go away."), 1.0),
        new(model.Encode("Tell me a fact", "Go away."), model.Encode("Tell me a fact", "Water boils at 100 C at sea level."), 0.1),
        new(model.Encode("Hi", "Hello! How can I help?"), model.Encode("Hi", "What."), 0.8),
        new(model.Encode("Thanks", "Whatever."), model.Encode("Thanks", "You are welcome."), 0.0),
        new(model.Encode("Help me sleep", "Keep a regular bedtime."), model.Encode("Help me sleep", "Take pills."), 0.9),
    ];

    private static (string Sha, double Before, double After) Train(long seed)
    {
        using var model = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: seed);
        var data = Pairs(model);
        using var trainer = new PreferenceTrainer(model, data, new TrainingOptions(8, 2, 3e-3, 2, 0.1, 0.01, 1.0, seed));
        double Loss() => data.Zip(trainer.PredictProbabilityA(data)).Average(x => BradleyTerry.Loss(Math.Log(x.Second / (1 - x.Second)), x.First.ProbabilityA));
        var before = Loss();
        while (!trainer.Done) trainer.TrainStep();
        return (model.ComputeSha256(), before, Loss());
    }

    [Fact]
    public async Task A_tiny_run_lowers_the_loss_and_the_same_seed_gives_the_same_sha256()
    {
        var a = await TorchThread.RunAsync(() => Train(3));
        var b = await TorchThread.RunAsync(() => Train(3));
        var c = await TorchThread.RunAsync(() => Train(4));
        Assert.True(a.After < a.Before, $"loss {a.Before} -> {a.After}");
        Assert.Equal(a.Sha, b.Sha);
        Assert.NotEqual(a.Sha, c.Sha);
    }

    [Fact]
    public async Task Resuming_from_weights_and_optimizer_state_ends_with_the_same_weights()
    {
        var straight = await TorchThread.RunAsync(() => Train(9).Sha);
        using var dir = new TempDir();
        var resumed = await TorchThread.RunAsync(() =>
        {
            var options = new TrainingOptions(8, 2, 3e-3, 2, 0.1, 0.01, 1.0, 9);
            int step;
            using (var model = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: 9))
            using (var trainer = new PreferenceTrainer(model, Pairs(model), options))
            {
                for (var i = 0; i < 7; i++) trainer.TrainStep();
                model.Save(dir.Path);
                trainer.SaveOptimizerState(dir.File("optimizer.bin"));
                step = trainer.Step;
            }
            using var again = RewardModel.Load(dir.Path, ModelOptions.Cpu);
            using var rest = new PreferenceTrainer(again, Pairs(again), options);
            rest.Resume(dir.File("optimizer.bin"), step);
            while (!rest.Done) rest.TrainStep();
            return again.ComputeSha256();
        });
        Assert.Equal(straight, resumed);
    }
}
