using CaiEvents.Models;
using CaiEvents.Models.Lora;
using CaiEvents.Models.Training;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Lora;

namespace CaiEvents.UnitTests.Training;

public class LoraTrainingTests
{
    private static readonly TrainingOptions Options = new(Epochs: 6, BatchSize: 4, LearningRate: 2e-2, WarmupSteps: 1,
        MinLearningRateRatio: 0.1, WeightDecay: 0.01, MaxGradNorm: 1.0, Seed: 5);

    private static List<TrainingSequence> Data() => Enumerable.Range(0, 12)
        .Select(i => TrainingSequence.PromptCompletion(
            Enumerable.Range(0, 3 + i % 4).Select(t => (t * 7 + i) % 200).ToArray(),
            Enumerable.Range(0, 2 + i % 3).Select(t => 65 + (t + i) % 26).ToArray()))
        .ToList();

    private static LoraConfig Config(ICausalLanguageModel network) => new(8, 16, 0, LoraConfig.DefaultTargets(network));

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Lora_training_lowers_the_loss_and_leaves_the_base_weights_hash_unchanged(string family)
    {
        using var dir = new TempDir();
        var sha = LoraTestModels.Write(dir.Path, family);
        var (architecture, checkpoint) = LoraTestModels.Load(dir.Path);
        try
        {
            var adapters = LoraAdapters.Attach(checkpoint.Network, Config(checkpoint.Network), seed: 1);
            var untrained = PeftAdapter.WeightsSha256(adapters);
            var data = Data();
            using var trainer = new CausalLmTrainer(checkpoint.Network, data, Options, checkpoint.Tokenizer.EndOfTextId);
            var before = trainer.EvaluateLoss(data);
            while (!trainer.Done) trainer.TrainStep();
            var after = trainer.EvaluateLoss(data);
            Assert.True(after < before - 0.25, $"loss {before:0.000} -> {after:0.000}");
            Assert.Equal(sha, architecture.WeightsSha256(checkpoint.Network));
            Assert.NotEqual(untrained, PeftAdapter.WeightsSha256(adapters));
        }
        finally
        {
            LoraTestModels.Dispose(checkpoint.Network);
        }
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void A_lora_run_resumed_from_its_adapter_directory_and_optimizer_state_ends_with_the_same_adapter(string family)
    {
        using var root = new TempDir();
        var baseDir = Path.Combine(root.Path, "base");
        LoraTestModels.Write(baseDir, family);
        var data = Data();

        string straight;
        var (_, whole) = LoraTestModels.Load(baseDir);
        try
        {
            var adapters = LoraAdapters.Attach(whole.Network, Config(whole.Network), seed: 1);
            using var trainer = new CausalLmTrainer(whole.Network, data, Options, whole.Tokenizer.EndOfTextId);
            while (!trainer.Done) trainer.TrainStep();
            straight = PeftAdapter.WeightsSha256(adapters);
        }
        finally
        {
            LoraTestModels.Dispose(whole.Network);
        }

        var adapterDir = Path.Combine(root.Path, "step");
        int half;
        var (_, first) = LoraTestModels.Load(baseDir);
        try
        {
            var adapters = LoraAdapters.Attach(first.Network, Config(first.Network), seed: 1);
            using var trainer = new CausalLmTrainer(first.Network, data, Options, first.Tokenizer.EndOfTextId);
            half = trainer.TotalSteps / 2;
            while (trainer.Step < half) trainer.TrainStep();
            PeftAdapter.Save(adapters, adapterDir, baseDir);
            trainer.SaveOptimizerState(Path.Combine(adapterDir, "optimizer.bin"));
        }
        finally
        {
            LoraTestModels.Dispose(first.Network);
        }

        var resumed = PeftAdapter.Load(adapterDir, ModelOptions.Cpu, withoutDropout: true);
        try
        {
            using var trainer = new CausalLmTrainer(resumed.Base.Network, data, Options, resumed.Base.Tokenizer.EndOfTextId);
            trainer.Resume(Path.Combine(adapterDir, "optimizer.bin"), half);
            while (!trainer.Done) trainer.TrainStep();
            Assert.Equal(straight, PeftAdapter.WeightsSha256(resumed.Adapters));
        }
        finally
        {
            LoraTestModels.Dispose(resumed.Base.Network);
        }
    }
}
