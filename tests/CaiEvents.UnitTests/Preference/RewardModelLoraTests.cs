using System.Text.Json.Nodes;
using CaiEvents.Models;
using CaiEvents.Models.Lora;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Training;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Lora;

namespace CaiEvents.UnitTests.Preference;

/// <summary>A preference model with LoRA on a tiny random checkpoint: what trains, what is saved (PEFT's SEQ_CLS layout), what loads back.</summary>
public class RewardModelLoraTests
{
    private static readonly TrainingOptions Options = new(Epochs: 8, BatchSize: 4, LearningRate: 2e-2, WarmupSteps: 1,
        MinLearningRateRatio: 0.1, WeightDecay: 0.0, MaxGradNorm: 1.0, Seed: 5);

    /// <summary>Pairs whose preferred side always ends in one token and the other side in another: learnable from the last position.</summary>
    private static List<PreferencePair> Pairs() => Enumerable.Range(0, 16)
        .Select(i =>
        {
            var prompt = Enumerable.Range(0, 3 + i % 3).Select(t => 10 + (t * 7 + i) % 90).ToArray();
            return new PreferencePair([.. prompt, 20 + i % 5, 200], [.. prompt, 20 + i % 5, 150], 1.0);
        })
        .ToList();

    private static RewardModel TinyWithAdapters(string baseDir) =>
        TorchThread.RunAsync(() =>
        {
            var model = RewardModel.FromModelId("hf:" + baseDir, ModelOptions.Cpu, headSeed: 3);
            model.AttachAdapters(new LoraConfig(8, 16, 0, LoraConfig.DefaultTargets(model.Backbone)), seed: 1, baseDir);
            return model;
        }).GetAwaiter().GetResult();

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Lora_pm_training_lowers_the_loss_trains_adapters_and_head_only_and_reloads_to_the_same_hash_and_scores(string family)
    {
        using var root = new TempDir();
        var baseDir = Path.Combine(root.Path, "base");
        var baseSha = LoraTestModels.Write(baseDir, family);
        var saved = Path.Combine(root.Path, "pm");
        var pairs = Pairs();
        double[] trainedScores;
        string trainedSha;
        using (var model = TinyWithAdapters(baseDir))
        {
            var trainable = Optimizers.Trainable(model.parameters());
            Assert.Equal(model.Adapters!.Parameters.Count + 2, trainable.Length); // A and B of every layer, the head's weight and bias
            var untrainedAdapter = model.AdapterSha256();
            using (var trainer = new PreferenceTrainer(model, pairs, Options))
            {
                var losses = new List<double>();
                while (!trainer.Done) losses.Add(trainer.TrainStep().Loss);
                Assert.True(losses.TakeLast(3).Average() < losses.Take(3).Average() - 0.1, $"loss {losses[0]:0.000} -> {losses[^1]:0.000}");
            }
            Assert.Equal(baseSha, model.Architecture.WeightsSha256(model.Backbone)); // the base weights did not move
            Assert.Equal(baseSha, RewardModel.FileSha256(baseDir));
            Assert.Equal(baseSha, model.AdapterBase!.CheckpointHash);
            Assert.NotEqual(untrainedAdapter, model.AdapterSha256());
            model.Save(saved);
            trainedSha = model.ComputeSha256();
            Assert.Equal(PeftAdapter.CombinedSha256(baseSha, model.AdapterSha256()), trainedSha);
            trainedScores = [.. PreferenceTrainer.Predict(model, pairs, 4)];
        }
        Assert.False(File.Exists(Path.Combine(saved, LocalCheckpoint.WeightsFileName))); // the adapter directory holds no base weights
        Assert.Equal(trainedSha, RewardModel.FileSha256(saved));
        using var loaded = RewardModel.Load(saved, ModelOptions.Cpu);
        Assert.NotNull(loaded.Adapters);
        Assert.Equal(trainedSha, loaded.ComputeSha256());
        Assert.Equal(trainedScores, PreferenceTrainer.Predict(loaded, pairs, 4));
    }

    [Fact]
    public void A_lora_pm_directory_follows_peft_seq_cls_layout_with_the_head_as_modules_to_save()
    {
        using var root = new TempDir();
        var baseDir = Path.Combine(root.Path, "base");
        LoraTestModels.Write(baseDir, "llama");
        var saved = Path.Combine(root.Path, "pm");
        HashSet<string> adapterKeys;
        using (var model = TinyWithAdapters(baseDir))
        {
            using (TorchSharp.torch.NewDisposeScope()) adapterKeys = [.. model.Adapters!.PeftTensors().Keys];
            model.Save(saved);
        }
        var rule = (JsonObject)((JsonObject)JsonNode.Parse(File.ReadAllText(TestPaths.Fixture("peft-lora-layout.json")))!)["sequence_classification"]!;
        var inMemory = rule["in_memory_key"]!.GetValue<string>();
        var savedKey = inMemory.Replace("modules_to_save.default.", "", StringComparison.Ordinal);
        Assert.Equal(rule["saved_key"]!.GetValue<string>(), savedKey); // the fixture's rule, applied as PEFT applies it
        using (var file = SafeTensors.Read(Path.Combine(saved, PeftAdapter.WeightsFileName)))
        {
            var headKeys = new[] { savedKey, savedKey[..savedKey.LastIndexOf('.')] + ".bias" };
            Assert.Equal(adapterKeys.Concat(headKeys).Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
            Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", file.Tensors.Keys); // the causal LM's key rule holds
            Assert.DoesNotContain(file.Tensors.Keys, k => k.Contains("modules_to_save", StringComparison.Ordinal) || k.Contains(".default.", StringComparison.Ordinal));
        }
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(saved, PeftAdapter.ConfigFileName)))!;
        Assert.Equal(rule["task_type"]!.GetValue<string>(), config["task_type"]!.GetValue<string>());
        Assert.Equal(rule["modules_to_save"]!.ToJsonString(), config["modules_to_save"]!.ToJsonString());
        Assert.Equal(Path.GetFullPath(baseDir), config["base_model_name_or_path"]!.GetValue<string>());
    }

    [Fact]
    public void A_preference_model_adapter_is_refused_as_a_policy_naming_modules_to_save()
    {
        using var root = new TempDir();
        var baseDir = Path.Combine(root.Path, "base");
        LoraTestModels.Write(baseDir, "llama");
        var saved = Path.Combine(root.Path, "pm");
        using (var model = TinyWithAdapters(baseDir)) model.Save(saved);
        var error = Assert.Throws<CheckpointFormatException>(() => LocalTextModel.Load("hf:" + saved, saved, ModelOptions.Cpu));
        Assert.Contains("modules_to_save", error.Message);
        Assert.Contains(PeftAdapter.ConfigFileName, error.Message);
    }
}
