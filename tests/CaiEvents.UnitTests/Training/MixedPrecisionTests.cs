using CaiEvents.Models;
using CaiEvents.Models.Llama;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Rl;
using CaiEvents.Models.Training;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Training;

/// <summary>bf16 training with fp32 master weights (<see cref="MasterWeights"/>) on the CPU.</summary>
public class MixedPrecisionTests
{
    private static readonly TrainingOptions Options = new(Epochs: 2, BatchSize: 4, LearningRate: 1e-2, WarmupSteps: 2,
        MinLearningRateRatio: 0.1, WeightDecay: 0.01, MaxGradNorm: 1.0, Seed: 5, Precision: TrainingPrecision.Bf16);

    private static List<TrainingSequence> Data() => Enumerable.Range(0, 12)
        .Select(i => TrainingSequence.PromptCompletion(
            Enumerable.Range(0, 3 + i % 4).Select(t => 3 + (t * 7 + i) % 90).ToArray(),
            Enumerable.Range(0, 2 + i % 3).Select(t => 40 + (t + i) % 26).ToArray()))
        .ToList();

    private static LlamaModel Llama() => LlamaTestModels.NewModel(LlamaModelType.Llama, seed: 3);

    [Theory]
    [InlineData("fp32", TrainingPrecision.Fp32)]
    [InlineData("BF16", TrainingPrecision.Bf16)]
    [InlineData("bfloat16", TrainingPrecision.Bf16)]
    [InlineData("fp16", TrainingPrecision.Fp16)]
    [InlineData(null, TrainingPrecision.Fp32)]
    public void Precision_names_parse(string? name, TrainingPrecision expected) => Assert.Equal(expected, TrainingPrecisions.Parse(name));

    [Fact]
    public void An_unknown_precision_and_fp16_training_are_refused_in_one_line()
    {
        var unknown = Assert.Throws<ArgumentException>(() => TrainingPrecisions.Parse("int8"));
        Assert.Equal("unknown precision 'int8'; expected fp32, bf16 or fp16", unknown.Message);
        using var model = Llama();
        var fp16 = Assert.Throws<NotSupportedException>(() => new CausalLmTrainer(model, Data(), Options with { Precision = TrainingPrecision.Fp16 }, 0));
        Assert.DoesNotContain('\n', fp16.Message);
        Assert.Contains("--precision bf16", fp16.Message);
    }

    [Fact]
    public void Only_fp32_is_left_out_of_events() =>
        Assert.Equal([null, "bf16"], new[] { TrainingPrecision.Fp32, TrainingPrecision.Bf16 }.Select(TrainingPrecisions.RecordedName));

    [Fact]
    public void A_bf16_step_leaves_fp32_weights_that_moved_and_are_not_rounded_to_bf16()
    {
        using var model = Llama();
        var before = GradientAccumulationTests.Snapshot(model);
        using var trainer = new CausalLmTrainer(model, Data(), Options, padId: 0);
        trainer.TrainStep();
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
        Assert.True(GradientAccumulationTests.MaxDifference(before, GradientAccumulationTests.Snapshot(model)) > 1e-4);
        // An fp32 master moved by an Adam step of ~1e-3 is not a bf16 number (8 mantissa bits) in general; a bf16 model's would be.
        using var scope = NewDisposeScope();
        var weight = model.parameters().First(p => p.dim() == 2);
        Assert.False(weight.eq(weight.to(ScalarType.BFloat16).to(ScalarType.Float32)).all().item<bool>(), "the weights were rounded to bf16");
    }

    [Fact]
    public void Frozen_parameters_are_neither_optimised_nor_moved_and_keep_requires_grad_false()
    {
        using var model = Llama();
        var frozen = model.parameters().Where(p => p.dim() == 1).ToList();
        foreach (var p in frozen) p.requires_grad = false;
        var frozenBefore = frozen.Select(p => p.detach().clone()).ToList();
        var trainable = model.parameters().Count(p => p.requires_grad);
        using var schedule = new TrainingSchedule(model.parameters(), [1, 2, 3], Options with { Precision = TrainingPrecision.Fp32 });
        Assert.Equal(trainable, schedule.Parameters.Count);

        using var trainer = new CausalLmTrainer(model, Data(), Options, padId: 0);
        trainer.TrainStep();
        var frozenAfter = model.parameters().Where(p => p.dim() == 1).ToList();
        Assert.All(frozenAfter, p => Assert.False(p.requires_grad));
        // Norm weights of a fresh model are exactly 1, a bf16 number, so rounding to bf16 keeps them as they were.
        Assert.All(frozenAfter.Zip(frozenBefore), x => Assert.True(x.First.eq(x.Second).all().item<bool>()));
    }

    [Fact]
    public void Bf16_training_lowers_the_loss_as_fp32_does()
    {
        var data = Data();
        double Final(TrainingPrecision precision)
        {
            using var model = Llama();
            using var trainer = new CausalLmTrainer(model, data, Options with { Epochs = 10, Precision = precision }, padId: 0);
            var before = trainer.EvaluateLoss(data);
            while (!trainer.Done) trainer.TrainStep();
            var after = trainer.EvaluateLoss(data);
            Assert.True(after < before * 0.6, $"{precision}: loss {before:0.000} -> {after:0.000}");
            return after;
        }
        var fp32 = Final(TrainingPrecision.Fp32);
        var bf16 = Final(TrainingPrecision.Bf16);
        Assert.True(Math.Abs(bf16 - fp32) < 0.05, $"bf16 ends at {bf16:0.000}, fp32 at {fp32:0.000}");
    }

    [Fact]
    public void A_bf16_job_resumed_from_a_checkpoint_ends_with_the_same_weights_as_one_that_never_stopped()
    {
        var data = Data();
        using var dir = new TempDir();
        using var straight = Llama();
        using (var trainer = new CausalLmTrainer(straight, data, Options, padId: 0))
            while (!trainer.Done) trainer.TrainStep();

        using var first = Llama();
        int half;
        using (var trainer = new CausalLmTrainer(first, data, Options, padId: 0))
        {
            half = trainer.TotalSteps / 2;
            while (trainer.Step < half) trainer.TrainStep();
            trainer.SaveOptimizerState(dir.File("optimizer.bin"));
            LlamaCheckpoint.Save(first, dir.File("weights"));
        }

        var (resumed, _, _) = LlamaCheckpoint.Load(dir.File("weights"), ModelOptions.Cpu);
        using (resumed)
        using (var trainer = new CausalLmTrainer(resumed, data, Options, padId: 0))
        {
            trainer.Resume(dir.File("optimizer.bin"), half);
            while (!trainer.Done) trainer.TrainStep();
            Assert.Equal(LlamaCheckpoint.ComputeWeightsSha256(straight), LlamaCheckpoint.ComputeWeightsSha256(resumed));
        }
    }

    [Fact]
    public async Task A_bf16_preference_model_resumed_from_weights_and_optimizer_state_ends_with_the_same_weights()
    {
        var options = new TrainingOptions(4, 2, 3e-3, 2, 0.1, 0.01, 1.0, 9, TrainingPrecision.Bf16);
        IReadOnlyList<PreferencePair> Pairs(RewardModel m) =>
        [
            new(m.Encode("Can you help?", "Yes, gladly."), m.Encode("Can you help?", "No, go away."), 1.0),
            new(m.Encode("Tell me a fact", "Go away."), m.Encode("Tell me a fact", "Water boils at 100 C."), 0.1),
            new(m.Encode("Hi", "Hello! How can I help?"), m.Encode("Hi", "What."), 0.8),
            new(m.Encode("Thanks", "Whatever."), m.Encode("Thanks", "You are welcome."), 0.0),
        ];
        using var dir = new TempDir();
        var (straight, resumed) = await TorchThread.RunAsync(() =>
        {
            string straightSha;
            using (var model = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: 9))
            using (var trainer = new PreferenceTrainer(model, Pairs(model), options))
            {
                while (!trainer.Done) trainer.TrainStep();
                straightSha = model.ComputeSha256();
            }
            int step;
            using (var model = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: 9))
            using (var trainer = new PreferenceTrainer(model, Pairs(model), options))
            {
                for (var i = 0; i < 3; i++) trainer.TrainStep();
                model.Save(dir.Path);
                trainer.SaveOptimizerState(dir.File("optimizer.bin"));
                step = trainer.Step;
            }
            using var again = RewardModel.Load(dir.Path, ModelOptions.Cpu);
            using var rest = new PreferenceTrainer(again, Pairs(again), options);
            rest.Resume(dir.File("optimizer.bin"), step);
            while (!rest.Done) rest.TrainStep();
            return (straightSha, again.ComputeSha256());
        });
        Assert.Equal(straight, resumed);
    }

    [Fact]
    public async Task A_bf16_ppo_job_resumed_from_policy_value_and_optimizer_state_ends_with_the_same_weights()
    {
        var rollouts = Enumerable.Range(0, 4).Select(i => new Rollout(
            [.. Enumerable.Range(0, 2 + i % 2).Select(t => 40 + t + i)], [.. Enumerable.Range(0, 1 + i * 2).Select(t => 70 + t * 3 + i)], i % 2 == 0 ? 1 : -1))
            .ToList();
        var options = new PpoOptions(MiniBatchSize: 2, Epochs: 2, LearningRate: 1e-3, ValueLearningRate: 1e-3, Seed: 5, Precision: TrainingPrecision.Bf16);
        static Gpt2Model NewPolicy() => ModelTestData.NewModel(seed: 3, ModelTestData.TinyConfig().WithoutDropout());
        using var dir = new TempDir();
        var (straight, resumed) = await TorchThread.RunAsync(() =>
        {
            string straightSha;
            using (var policy = NewPolicy())
            using (var reference = NewPolicy())
            using (var value = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: 4))
            using (var trainer = new PpoTrainer(policy, reference, new ValueFunction(value, value.TokenScores), options, new FixedKlController(0.1), 0))
            {
                for (var step = 0; step < 3; step++) trainer.Step(rollouts, step);
                straightSha = Gpt2Checkpoint.ComputeWeightsSha256(policy) + value.ComputeSha256();
            }
            using (var policy = NewPolicy())
            using (var reference = NewPolicy())
            using (var value = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: 4))
            using (var trainer = new PpoTrainer(policy, reference, new ValueFunction(value, value.TokenScores), options, new FixedKlController(0.1), 0))
            {
                trainer.Step(rollouts, 0);
                Gpt2Checkpoint.Save(policy, Gpt2Tokenizer.ByteLevel(), dir.File("policy"));
                value.Save(dir.File("value"));
                trainer.SaveOptimizerState(dir.File("optimizer.bin"));
            }
            var (again, _, _) = Gpt2Checkpoint.Load(dir.File("policy"));
            using (again)
            using (var reference = NewPolicy())
            using (var value = RewardModel.Load(dir.File("value"), ModelOptions.Cpu))
            using (var trainer = new PpoTrainer(again, reference, new ValueFunction(value, value.TokenScores), options, new FixedKlController(0.1), 0))
            {
                trainer.LoadOptimizerState(dir.File("optimizer.bin"));
                for (var step = 1; step < 3; step++) trainer.Step(rollouts, step);
                return (straightSha, Gpt2Checkpoint.ComputeWeightsSha256(again) + value.ComputeSha256());
            }
        });
        Assert.Equal(straight, resumed);
    }
}
