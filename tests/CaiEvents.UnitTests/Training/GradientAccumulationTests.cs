using CaiEvents.Models;
using CaiEvents.Models.Llama;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Rl;
using CaiEvents.Models.Training;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Training;

/// <summary>
/// N accumulated micro-batches make the same optimizer step as one batch N times larger: the reference is the trainer itself run
/// with the large batch and no accumulation (the same data, so only the loss normalisation over micro-batches can differ).
/// </summary>
public class GradientAccumulationTests
{
    private const double Tolerance = 1e-5;

    private static TrainingOptions Large => new(Epochs: 1, BatchSize: 8, LearningRate: 1e-3, WarmupSteps: 0,
        MinLearningRateRatio: 0.1, WeightDecay: 0.01, MaxGradNorm: 1.0, Seed: 5);

    /// <summary>Completions of different lengths, so micro-batches hold different numbers of target tokens.</summary>
    private static List<TrainingSequence> Data(int vocab) => Enumerable.Range(0, 8)
        .Select(i => TrainingSequence.PromptCompletion(
            Enumerable.Range(0, 2 + i % 3).Select(t => 3 + (t * 7 + i) % (vocab - 3)).ToArray(),
            Enumerable.Range(0, 1 + i * 5 % 7).Select(t => 3 + (t * 11 + i * 3) % (vocab - 3)).ToArray()))
        .ToList();

    public static IEnumerable<object[]> Decoders => [["gpt2"], ["llama"]];

    private static nn.Module NewDecoder(string family) => family == "gpt2"
        ? ModelTestData.NewModel(seed: 3, ModelTestData.TinyConfig().WithoutDropout())
        : LlamaTestModels.NewModel(LlamaModelType.Llama, seed: 3);

    private static int Vocab(string family) => family == "gpt2" ? 256 : LlamaTestModels.VocabSize;

    [Theory]
    [MemberData(nameof(Decoders))]
    public void Two_and_four_accumulated_micro_batches_step_like_one_large_batch(string family)
    {
        var data = Data(Vocab(family));
        var (largeWeights, largeMetrics) = OneStep(family, data, Large);
        foreach (var (micro, steps) in new[] { (4, 2), (2, 4) })
        {
            var (weights, metrics) = OneStep(family, data, Large with { BatchSize = micro, GradientAccumulation = steps });
            Assert.Equal(largeMetrics.TargetTokens, metrics.TargetTokens);
            Assert.Equal(largeMetrics.Loss, metrics.Loss, Tolerance);
            Assert.Equal(largeMetrics.GradNorm, metrics.GradNorm, Tolerance);
            Assert.True(MaxDifference(largeWeights, weights) <= Tolerance, $"{micro}×{steps}: weights differ by {MaxDifference(largeWeights, weights)}");
        }
    }

    [Fact]
    public void The_effective_batch_sets_the_steps_per_epoch()
    {
        using var model = NewDecoder("gpt2");
        using var trainer = new CausalLmTrainer((ICausalLanguageModel)model, Data(256), Large with { BatchSize = 3, GradientAccumulation = 2 }, padId: 0);
        Assert.Equal(2, trainer.StepsPerEpoch); // 8 sequences, 6 per step
    }

    [Fact]
    public async Task A_preference_model_step_in_micro_batches_equals_the_large_batch_step()
    {
        (float[][] Weights, PreferenceStepMetrics Metrics) Step(TrainingOptions options)
        {
            using var model = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: 4);
            var pairs = Enumerable.Range(0, 8).Select(i => new PreferencePair(
                model.Encode($"prompt {i}", new string('a', 1 + i % 3)), model.Encode($"prompt {i}", new string('b', 2 + i * 3 % 5)), 0.1 + 0.1 * i))
                .ToList();
            using var trainer = new PreferenceTrainer(model, pairs, options);
            var metrics = trainer.TrainStep();
            // The score bias adds to r_A and r_B alike, so its true gradient is 0; Adam's first step (≈ lr·sign(g)) turns the
            // rounding noise it gets into ±lr in either run. Every other weight moves by ≈ lr = 1e-4, ten times the tolerance.
            return ([.. model.named_parameters().Where(p => p.name != RewardModel.ScoreBiasName)
                .Select(p => p.parameter.detach().cpu().data<float>().ToArray())], metrics);
        }
        var large = await TorchThread.RunAsync(() => Step(Large with { LearningRate = 1e-4 }));
        var accumulated = await TorchThread.RunAsync(() => Step(Large with { LearningRate = 1e-4, BatchSize = 2, GradientAccumulation = 4 }));
        Assert.Equal(large.Metrics.Loss, accumulated.Metrics.Loss, Tolerance);
        Assert.Equal(large.Metrics.GradNorm, accumulated.Metrics.GradNorm, Tolerance);
        Assert.True(MaxDifference(large.Weights, accumulated.Weights) <= Tolerance, $"weights differ by {MaxDifference(large.Weights, accumulated.Weights)}");
    }

    [Fact]
    public async Task A_ppo_minibatch_in_micro_batches_updates_the_policy_and_value_like_the_whole_minibatch()
    {
        // Responses of different lengths, so the micro-batches hold different numbers of tokens.
        var rollouts = Enumerable.Range(0, 4).Select(i => new Rollout(
            [.. Enumerable.Range(0, 2 + i % 2).Select(t => 40 + t + i)], [.. Enumerable.Range(0, 1 + i * 2).Select(t => 70 + t * 3 + i)], i % 2 == 0 ? 1 : -1))
            .ToList();
        (float[][] Policy, float[][] Value, PpoStepMetrics Metrics) Step(PpoOptions options)
        {
            using var policy = ModelTestData.NewModel(seed: 3, ModelTestData.TinyConfig().WithoutDropout());
            using var reference = ModelTestData.NewModel(seed: 3, ModelTestData.TinyConfig().WithoutDropout());
            using var value = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: 4);
            using var trainer = new PpoTrainer(policy, reference, new ValueFunction(value, value.TokenScores), options, new FixedKlController(0.1), 0);
            var metrics = trainer.Step(rollouts, 0);
            return (Snapshot(policy), Snapshot(value), metrics);
        }
        var whole = new PpoOptions(MiniBatchSize: 4, Epochs: 1, LearningRate: 1e-4, ValueLearningRate: 1e-4, Seed: 5);
        var large = await TorchThread.RunAsync(() => Step(whole));
        var accumulated = await TorchThread.RunAsync(() => Step(whole with { MiniBatchSize = 2, GradientAccumulation = 2 }));
        Assert.Equal(large.Metrics.PolicyLoss, accumulated.Metrics.PolicyLoss, Tolerance);
        Assert.Equal(large.Metrics.ValueLoss, accumulated.Metrics.ValueLoss, Tolerance);
        Assert.True(MaxDifference(large.Policy, accumulated.Policy) <= Tolerance, $"policy weights differ by {MaxDifference(large.Policy, accumulated.Policy)}");
        Assert.True(MaxDifference(large.Value, accumulated.Value) <= Tolerance, $"value weights differ by {MaxDifference(large.Value, accumulated.Value)}");
    }

    private static (float[][] Weights, TrainingStepMetrics Metrics) OneStep(string family, List<TrainingSequence> data, TrainingOptions options)
    {
        using var model = NewDecoder(family);
        using var trainer = new CausalLmTrainer((ICausalLanguageModel)model, data, options, padId: 0);
        var metrics = trainer.TrainStep();
        return (Snapshot(model), metrics);
    }

    internal static float[][] Snapshot(nn.Module model) =>
        [.. model.parameters().Select(p => p.detach().to(ScalarType.Float32).cpu().data<float>().ToArray())];

    internal static double MaxDifference(float[][] a, float[][] b) =>
        a.Zip(b).Max(x => x.First.Zip(x.Second).Select(v => Math.Abs((double)v.First - v.Second)).DefaultIfEmpty(0).Max());
}
