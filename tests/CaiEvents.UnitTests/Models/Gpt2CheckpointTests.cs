using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CaiEvents.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models;

public class Gpt2CheckpointTests
{
    private static Tensor Logits(Gpt2Model model)
    {
        using var noGrad = no_grad();
        return model.forward(tensor(new long[] { 72, 101, 108, 108, 111, 256, 10, 0, 255 }, [1, 9]));
    }

    [Fact]
    public void Directory_written_by_a_model_loads_back_with_identical_logits()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var original = ModelTestData.NewModel(11);
        var tokenizer = Gpt2Tokenizer.ByteLevel();

        Gpt2Checkpoint.Save(original, tokenizer, dir.Path);
        var (loaded, loadedTokenizer, sha) = Gpt2Checkpoint.Load(dir.Path);
        using var _ = loaded;
        loaded.eval();

        Assert.Equal(original.Config, loaded.Config);
        Assert.True(Logits(loaded).equal(Logits(original)).all().item<bool>(), "logits differ after a save/load round trip");
        Assert.Equal(tokenizer.VocabJson, loadedTokenizer.VocabJson);
        Assert.Equal(Gpt2Checkpoint.ComputeWeightsSha256(original), sha);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(dir.File("model.safetensors")))), sha);
        Assert.True(File.Exists(dir.File("tokenizer_config.json")));
    }

    [Fact]
    public void Weights_use_hugging_face_names_and_conv1d_layout()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var model = ModelTestData.NewModel(1);
        Gpt2Checkpoint.Save(model, Gpt2Tokenizer.ByteLevel(), dir.Path);

        using var file = SafeTensors.Read(dir.File("model.safetensors"));

        Assert.All(file.Tensors.Keys, k => Assert.StartsWith("transformer.", k));
        Assert.DoesNotContain("lm_head.weight", file.Tensors.Keys);
        Assert.Equal(new long[] { 32, 96 }, file.Tensors["transformer.h.0.attn.c_attn.weight"].shape);   // [in, out]
        Assert.Equal(new long[] { 128, 32 }, file.Tensors["transformer.h.1.mlp.c_proj.weight"].shape);
        Assert.Equal(new long[] { 257, 32 }, file.Tensors["transformer.wte.weight"].shape);
        Assert.Equal("pt", file.Metadata["format"]);
        var c_fc = model.state_dict()["h.0.mlp.c_fc.weight"];
        Assert.True(file.Tensors["transformer.h.0.mlp.c_fc.weight"].equal(c_fc.t()).all().item<bool>());
    }

    [Fact]
    public void Checkpoint_without_the_transformer_prefix_and_with_extra_hf_buffers_loads()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var model = ModelTestData.NewModel(4);
        var tokenizer = Gpt2Tokenizer.ByteLevel();
        Gpt2Checkpoint.Save(model, tokenizer, dir.Path);
        var tensors = Gpt2Checkpoint.HfTensors(model).ToDictionary(kv => kv.Key["transformer.".Length..], kv => kv.Value);
        tensors["lm_head.weight"] = tensors["wte.weight"];
        tensors["h.0.attn.bias"] = ones(1, 1, 64, 64);
        tensors["h.0.attn.masked_bias"] = tensor(-1e4f);
        SafeTensors.Write(dir.File("model.safetensors"), tensors.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float16)));

        var (loaded, _, _) = Gpt2Checkpoint.Load(dir.Path);
        using var _ = loaded;
        loaded.eval();

        Assert.True(Logits(loaded).allclose(Logits(model), rtol: 0, atol: 1e-2), "float16 checkpoint without prefix gives different logits");
    }

    [Fact]
    public void Wrong_tensor_shape_is_a_one_line_error_naming_file_and_tensor()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var model = ModelTestData.NewModel(4);
        Gpt2Checkpoint.Save(model, Gpt2Tokenizer.ByteLevel(), dir.Path);
        var tensors = Gpt2Checkpoint.HfTensors(model);
        // Saved as nn.Linear would store it, i.e. not transposed to Conv1D layout.
        tensors["transformer.h.1.attn.c_attn.weight"] = model.state_dict()["h.1.attn.c_attn.weight"];
        var path = dir.File("model.safetensors");
        SafeTensors.Write(path, tensors);

        var ex = Assert.Throws<CheckpointFormatException>(() => Gpt2Checkpoint.Load(dir.Path));

        SafeTensorsTests.AssertOneLine(ex, path);
        Assert.Contains("'transformer.h.1.attn.c_attn.weight'", ex.Message);
        Assert.Contains("[96, 32]", ex.Message);
    }

    [Fact]
    public void Missing_tensor_missing_file_and_missing_directory_are_one_line_errors()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var model = ModelTestData.NewModel(4);
        Gpt2Checkpoint.Save(model, Gpt2Tokenizer.ByteLevel(), dir.Path);
        var weights = dir.File("model.safetensors");
        var tensors = Gpt2Checkpoint.HfTensors(model);
        tensors.Remove("transformer.ln_f.bias");
        SafeTensors.Write(weights, tensors);

        var ex = Assert.Throws<CheckpointFormatException>(() => Gpt2Checkpoint.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(ex, weights);
        Assert.Contains("'transformer.ln_f.bias'", ex.Message);

        File.Delete(dir.File("merges.txt"));
        SafeTensorsTests.AssertOneLine(Assert.Throws<CheckpointFormatException>(() => Gpt2Checkpoint.Load(dir.Path)), dir.File("merges.txt"));

        var nowhere = Path.Combine(dir.Path, "nowhere");
        SafeTensorsTests.AssertOneLine(Assert.Throws<CheckpointFormatException>(() => Gpt2Checkpoint.Load(nowhere)), nowhere);
    }

    [Fact]
    public void Config_json_round_trips_ignores_unknown_keys_and_names_missing_ones()
    {
        var config = ModelTestData.TinyConfig() with { NInner = 100, LayerNormEpsilon = 1e-6 };
        var json = JsonNode.Parse(config.ToJson())!.AsObject();
        json["some_future_option"] = new JsonArray(1, 2);
        json["task_specific_params"] = new JsonObject { ["x"] = 1 };

        Assert.Equal(config, Gpt2Config.Parse(json.ToJsonString(), "config.json"));
        Assert.Equal(config.ToJson(), config.ToJson());

        json.Remove("n_head");
        json.Remove("eos_token_id");
        var ex = Assert.Throws<CheckpointFormatException>(() => Gpt2Config.Parse(json.ToJsonString(), "/m/config.json"));
        Assert.Contains("/m/config.json", ex.Message);
        Assert.Contains("n_head", ex.Message);
        Assert.Contains("eos_token_id", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("activation_function", "\"swish\"", "activation_function")]
    [InlineData("n_head", "5", "divisible")]
    [InlineData("scale_attn_by_inverse_layer_idx", "true", "unsupported attention options")]
    [InlineData("model_type", "\"llama\"", "llama")]
    [InlineData("n_embd", "\"wide\"", "n_embd")]
    public void Unsupported_config_values_are_clear_errors(string key, string value, string expected)
    {
        var json = JsonNode.Parse(ModelTestData.TinyConfig().ToJson())!.AsObject();
        json[key] = JsonNode.Parse(value);

        var ex = Assert.Throws<CheckpointFormatException>(() => Gpt2Config.Parse(json.ToJsonString(), "config.json"));

        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
