using System.Security.Cryptography;
using CaiEvents.Models;
using CaiEvents.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

public class LlamaCheckpointTests
{
    private static Tensor Ids() => tensor(new long[] { 3, 9, 27, 81, 4, 16 }, [1, 6]);

    /// <summary>A tiny model whose biases and norm weights are not their initial 0/1, so a loader that skipped them would show.</summary>
    private static LlamaModel PerturbedModel(string modelType, long seed = 1)
    {
        var model = LlamaTestModels.NewModel(modelType, seed);
        using var noGrad = no_grad();
        var generator = new Generator(unchecked((ulong)seed + 100));
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal) || name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                using var scope = NewDisposeScope();
                parameter.add_(empty(parameter.shape).normal_(0, 0.3, generator));
            }
        }
        return model;
    }

    [Theory]
    [MemberData(nameof(LlamaTestModels.ModelTypes), MemberType = typeof(LlamaTestModels))]
    public void Save_then_load_gives_identical_logits_and_the_sha256_of_model_safetensors(string modelType)
    {
        using var dir = new TempDir();
        using var original = PerturbedModel(modelType);
        var sha = LlamaCheckpoint.Save(original, dir.Path);

        var (loaded, config, loadedSha) = LlamaCheckpoint.Load(dir.Path, ModelOptions.Cpu);
        using (loaded)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Assert.True(LlamaTestModels.Same(loaded.forward(Ids()), original.forward(Ids())), "logits differ after a round trip");
            Assert.False(loaded.training);
        }
        Assert.Equal(original.Config with { EosTokenIds = null }, config with { EosTokenIds = null });
        Assert.Equal(sha, loadedSha);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(dir.File("model.safetensors")))), sha);
        Assert.True(File.Exists(dir.File("generation_config.json")));
        Assert.False(File.Exists(dir.File("model.safetensors.index.json")));
    }

    [Fact]
    public void Sharded_checkpoint_loads_the_same_as_a_single_file_and_its_sha256_covers_index_and_shards()
    {
        using var single = new TempDir();
        using var sharded = new TempDir();
        using var model = PerturbedModel("qwen3");
        LlamaCheckpoint.Save(model, single.Path);
        var sha = LlamaCheckpoint.Save(model, sharded.Path, maxShardBytes: 40_000);

        var shards = Directory.GetFiles(sharded.Path, "model-*-of-*.safetensors").Order(StringComparer.Ordinal).ToList();
        var (a, _, _) = LlamaCheckpoint.Load(single.Path, ModelOptions.Cpu);
        var (b, _, _) = LlamaCheckpoint.Load(sharded.Path, ModelOptions.Cpu);
        using (a)
        using (b)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Assert.True(LlamaTestModels.Same(a.forward(Ids()), b.forward(Ids())));
        }
        Assert.True(shards.Count > 2, $"expected several shards, got {shards.Count}");
        Assert.Equal($"model-00001-of-{shards.Count:D5}.safetensors", Path.GetFileName(shards[0]));
        Assert.False(File.Exists(sharded.File("model.safetensors")));
        // The documented definition: sha256(index bytes ‖ sha256(shard 1) ‖ sha256(shard 2) ‖ ...).
        var bytes = File.ReadAllBytes(sharded.File("model.safetensors.index.json")).Concat(shards.SelectMany(s => SHA256.HashData(File.ReadAllBytes(s))));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())), sha);
        var index = File.ReadAllText(sharded.File("model.safetensors.index.json"));
        Assert.Contains("\"weight_map\"", index, StringComparison.Ordinal);
        Assert.Contains("\"total_size\"", index, StringComparison.Ordinal);

        // Saving single-file over the sharded directory removes the shards and the index.
        LlamaCheckpoint.Save(model, sharded.Path);
        Assert.Empty(Directory.GetFiles(sharded.Path, "model-*-of-*.safetensors"));
        Assert.False(File.Exists(sharded.File("model.safetensors.index.json")));
    }

    [Theory]
    [InlineData(ScalarType.Float16, "F16")]
    [InlineData(ScalarType.BFloat16, "BF16")]
    public void Half_precision_files_load_into_float32_as_the_rounded_values(ScalarType fileType, string headerName)
    {
        using var dir = new TempDir();
        using var model = PerturbedModel("llama");
        LlamaCheckpoint.Save(model, dir.Path, saveAs: fileType);

        var (loaded, config, _) = LlamaCheckpoint.Load(dir.Path, ModelOptions.Cpu);
        using (loaded)
        using (var scope = NewDisposeScope())
        {
            var expected = model.state_dict();
            foreach (var (name, value) in loaded.state_dict())
            {
                Assert.Equal(ScalarType.Float32, value.dtype);
                Assert.True(LlamaTestModels.Same(value, expected[name].to(fileType).to(ScalarType.Float32)), name);
            }
        }
        Assert.Equal(fileType == ScalarType.Float16 ? "float16" : "bfloat16", config.TorchDtype);
        using var reader = SafeTensorsReader.Open(dir.File("model.safetensors"));
        Assert.All(reader.Entries, e => Assert.Equal(fileType, e.DType));
        Assert.Contains($"\"dtype\":\"{headerName}\"", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(dir.File("model.safetensors"))[..200]),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Random_checkpoints_are_deterministic_per_seed()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        using var c = new TempDir();

        var (config, shaA) = LlamaCheckpoint.WriteRandom(a.Path, "mistral", "tiny", 40, seed: 5, bosTokenId: 1, eosTokenIds: [2]);
        var (_, shaB) = LlamaCheckpoint.WriteRandom(b.Path, "mistral", "tiny", 40, seed: 5, bosTokenId: 1, eosTokenIds: [2]);
        var (_, shaC) = LlamaCheckpoint.WriteRandom(c.Path, "mistral", "tiny", 40, seed: 6, bosTokenId: 1, eosTokenIds: [2]);

        Assert.Equal(shaA, shaB);
        Assert.NotEqual(shaA, shaC);
        Assert.Equal(File.ReadAllBytes(a.File("config.json")), File.ReadAllBytes(b.File("config.json")));
        Assert.Equal(256, config.SlidingWindow);
        Assert.Equal([2], LlamaGenerationConfig.Load(a.Path)!.EosTokenIds);
    }

    [Fact]
    public void Generation_config_reads_an_eos_list_and_bos()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("generation_config.json"), """{"bos_token_id": 128000, "eos_token_id": [128001, 128009], "do_sample": true}""");

        var generation = LlamaGenerationConfig.Load(dir.Path)!;

        Assert.Equal(128000, generation.BosTokenId);
        Assert.Equal([128001, 128009], generation.EosTokenIds);
        Assert.Null(LlamaGenerationConfig.Load(Path.Combine(dir.Path, "nothing-here")));
    }

    [Fact]
    public void A_tied_checkpoint_may_carry_lm_head_weight_which_is_ignored()
    {
        using var dir = new TempDir();
        using var model = PerturbedModel("qwen2");
        LlamaCheckpoint.Save(model, dir.Path);
        RewriteWeights(dir.File("model.safetensors"), tensors => tensors["lm_head.weight"] = zeros([LlamaTestModels.VocabSize, 64]));

        var (loaded, _, _) = LlamaCheckpoint.Load(dir.Path, ModelOptions.Cpu);
        using (loaded)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Assert.True(LlamaTestModels.Same(loaded.forward(Ids()), model.forward(Ids())));
        }
    }

    [Theory]
    [InlineData("missing", "model.layers.1.mlp.up_proj.weight", "missing from the checkpoint")]
    [InlineData("unexpected", "model.layers.2.mlp.up_proj.weight", "unexpected tensor: not a weight of a llama model with this config")]
    [InlineData("shape", "model.layers.0.self_attn.k_proj.weight", "shape [64, 64] does not match the config's [32, 64]")]
    [InlineData("dtype", "model.norm.weight", "dtype Int64 is not one of F32, F16, BF16")]
    public void Bad_tensors_are_refused_naming_file_and_tensor(string problem, string tensorName, string expected)
    {
        using var dir = new TempDir();
        using var model = LlamaTestModels.NewModel("llama");
        LlamaCheckpoint.Save(model, dir.Path);
        RewriteWeights(dir.File("model.safetensors"), tensors =>
        {
            switch (problem)
            {
                case "missing":
                    tensors.Remove(tensorName);
                    break;
                case "unexpected":
                    tensors[tensorName] = zeros([4]);
                    break;
                case "shape":
                    tensors[tensorName] = zeros([64, 64]);
                    break;
                default:
                    tensors[tensorName] = zeros([64], ScalarType.Int64);
                    break;
            }
        });

        var e = Assert.Throws<CheckpointFormatException>(() => LlamaCheckpoint.Load(dir.Path, ModelOptions.Cpu));

        Assert.Equal(tensorName, e.TensorName);
        Assert.Equal(dir.File("model.safetensors"), e.Path);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_missing_from_every_shard_is_named_with_the_index_and_a_missing_shard_with_its_path()
    {
        using var dir = new TempDir();
        using var model = LlamaTestModels.NewModel("qwen2");
        LlamaCheckpoint.Save(model, dir.Path, maxShardBytes: 40_000);
        var shards = Directory.GetFiles(dir.Path, "model-*.safetensors").Order(StringComparer.Ordinal).ToList();
        RewriteWeights(shards[0], tensors => tensors.Remove(tensors.Keys.Order(StringComparer.Ordinal).First()));

        var missing = Assert.Throws<CheckpointFormatException>(() => LlamaCheckpoint.Load(dir.Path, ModelOptions.Cpu));
        File.Delete(shards[^1]);
        var gone = Assert.Throws<CheckpointFormatException>(() => LlamaCheckpoint.Load(dir.Path, ModelOptions.Cpu));

        Assert.Equal(dir.File("model.safetensors.index.json"), missing.Path);
        Assert.Equal("model.embed_tokens.weight", missing.TensorName);
        Assert.Equal(shards[^1], gone.Path);
        Assert.Contains("file not found", gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_without_weights_is_refused_in_one_line()
    {
        using var dir = new TempDir();
        LlamaTestModels.TinyConfig("llama").Save(dir.File("config.json"));

        var e = Assert.Throws<CheckpointFormatException>(() => LlamaCheckpoint.Load(dir.Path, ModelOptions.Cpu));

        Assert.Contains("neither model.safetensors nor model.safetensors.index.json is there", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Small_shape_is_smollm2_135m()
    {
        var config = LlamaShapes.Create("llama", "small");

        Assert.Equal((576, 30, 9, 3, 1536, 49152, 8192), (config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads,
            config.NumKeyValueHeads, config.IntermediateSize, config.VocabSize, config.MaxPositionEmbeddings));
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(100000, config.RopeTheta);
        // SmolLM2-135M's published parameter count (tied head). Built on the meta device: shapes only, no memory.
        using var model = new LlamaModel(config, new Device(TorchSharp.DeviceType.META));
        Assert.Equal(134_515_008, model.parameters().Sum(p => p.numel()));
    }

    private static void RewriteWeights(string path, Action<Dictionary<string, Tensor>> change)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> tensors;
        using (var file = SafeTensors.Read(path))
        {
            tensors = file.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.clone(), StringComparer.Ordinal);
        }
        change(tensors);
        SafeTensors.Write(path, tensors);
    }
}
