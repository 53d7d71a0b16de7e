using System.Text.Json.Nodes;
using CaiEvents.Models;
using CaiEvents.Models.Gguf;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Gguf;

public class HfToGgufConverterTests
{
    [Fact]
    public void Llama3_rope_divisors_follow_the_band_formula()
    {
        // Worked independently (python, math module) for head_dim 16, theta 1e4, factor 8, low 1, high 4, original context 64:
        // wavelengths 6.3 (< 16: kept), 19.9 and 62.8 (between 16 and 64: blended), then > 64 (divided by the factor).
        float[] expected = [1f, 1.29397583f, 7.66738513f, 8f, 8f, 8f, 8f, 8f];
        var actual = HfToGgufConverter.Llama3RopeFrequencyDivisors(16, 10000, 8, 1, 4, 64);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Fact]
    public void Permuted_rows_make_adjacent_pair_rope_equal_to_half_split_rope()
    {
        // HF rotates (x[i], x[i + d/2]); llama.cpp's "llama" rope rotates (y[2i], y[2i+1]). With y = the converter's row
        // permutation of x, rotating y must give the permutation of HF's rotated x, for every head and position.
        const int heads = 2, d = 8;
        var x = Enumerable.Range(0, heads * d).Select(i => (float)Math.Sin(i + 1)).ToArray();
        var y = HfToGgufConverter.PermuteForAdjacentPairRope(x, heads, heads * d);
        foreach (var position in new[] { 0, 1, 7 })
        {
            var expected = HfToGgufConverter.PermuteForAdjacentPairRope(HalfSplitRope(x, heads, d, position), heads, heads * d);
            var actual = AdjacentPairRope(y, heads, d, position);
            for (var i = 0; i < x.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 5);
            }
        }
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("mistral")]
    [InlineData("qwen2")]
    [InlineData("qwen3")]
    public void Llama_family_metadata_and_tensors_follow_llama_cpp_conventions(string modelType)
    {
        using var dir = new TempDir();
        TinyHfCheckpoint.Write(dir.File("hf"), modelType);

        var file = HfToGgufConverter.Convert(dir.File("hf"), dir.File("m.gguf"), GgufFileType.F16);

        var arch = modelType == "mistral" ? "llama" : modelType;
        var m = file.Metadata;
        Assert.Equal(arch, m["general.architecture"].AsString());
        Assert.Equal(1, m["general.file_type"].AsInteger());
        Assert.Equal(TinyHfCheckpoint.Hidden, m[$"{arch}.embedding_length"].AsInteger());
        Assert.Equal(TinyHfCheckpoint.Layers, m[$"{arch}.block_count"].AsInteger());
        Assert.Equal(TinyHfCheckpoint.Intermediate, m[$"{arch}.feed_forward_length"].AsInteger());
        Assert.Equal(TinyHfCheckpoint.Heads, m[$"{arch}.attention.head_count"].AsInteger());
        Assert.Equal(TinyHfCheckpoint.KvHeads, m[$"{arch}.attention.head_count_kv"].AsInteger());
        Assert.Equal(256, m[$"{arch}.context_length"].AsInteger());
        Assert.Equal(1e-5, m[$"{arch}.attention.layer_norm_rms_epsilon"].AsDouble(), 9);
        Assert.Equal(modelType == "mistral" ? 1e6 : 1e4, m[$"{arch}.rope.freq_base"].AsDouble());
        Assert.Equal(TinyHfCheckpoint.HeadDim(modelType), m[$"{arch}.rope.dimension_count"].AsInteger());
        Assert.Equal(modelType == "qwen3", m.ContainsKey($"{arch}.attention.key_length"));
        Assert.Equal(TinyHfCheckpoint.VocabSize, m[$"{arch}.vocab_size"].AsInteger());

        var tokens = m["tokenizer.ggml.tokens"].AsArray<string>();
        var types = m["tokenizer.ggml.token_type"].AsArray<int>();
        Assert.Equal(TinyHfCheckpoint.VocabSize, tokens.Length);
        Assert.Equal(TinyHfCheckpoint.VocabSize, types.Length);
        Assert.Equal("gpt2", m["tokenizer.ggml.model"].AsString());
        Assert.Equal(TinyHfCheckpoint.IsQwen(modelType) ? "qwen2" : "llama-bpe", m["tokenizer.ggml.pre"].AsString());
        Assert.Equal(["Ġ t", "h e", "Ġt he", "i n"], m["tokenizer.ggml.merges"].AsArray<string>());
        var special = TinyHfCheckpoint.SpecialTokens(modelType);
        Assert.Equal(special, tokens[260..263]);
        Assert.All(types[260..263], t => Assert.Equal(3, t)); // control
        Assert.Equal(1, types[65]); // 'b', normal
        Assert.Equal("[PAD263]", tokens[263]);
        Assert.Equal(!TinyHfCheckpoint.IsQwen(modelType), m["tokenizer.ggml.add_bos_token"].Value);
        Assert.Equal(TinyHfCheckpoint.IsQwen(modelType) ? 262 : 261, m["tokenizer.ggml.eos_token_id"].AsInteger());
        Assert.Equal(TinyHfCheckpoint.IsQwen(modelType), m.ContainsKey("tokenizer.chat_template"));

        var names = file.Tensors.Select(t => t.Name).ToHashSet();
        Assert.Contains("blk.1.ffn_gate.weight", names);
        Assert.Equal(!TinyHfCheckpoint.Tied(modelType), names.Contains("output.weight"));
        Assert.Equal(modelType == "qwen2", names.Contains("blk.0.attn_q.bias"));
        Assert.Equal(modelType == "qwen3", names.Contains("blk.0.attn_k_norm.weight"));
        Assert.Equal(modelType == "llama", names.Contains("rope_freqs.weight"));
        var q = file.Tensor("blk.0.attn_q.weight");
        Assert.Equal([TinyHfCheckpoint.Hidden, (long)TinyHfCheckpoint.Heads * TinyHfCheckpoint.HeadDim(modelType)], q.Dimensions);
        Assert.Equal(GgmlType.F16, q.Type);
        Assert.Equal(GgmlType.F32, file.Tensor("blk.0.attn_norm.weight").Type); // 1-D stays F32
        Assert.Equal(GgmlType.F16, file.Tensor("token_embd.weight").Type);
    }

    [Fact]
    public void Llama_q_rows_are_permuted_and_qwen_rows_are_not()
    {
        using var dir = new TempDir();
        foreach (var modelType in new[] { "llama", "qwen2" })
        {
            TinyHfCheckpoint.Write(dir.File(modelType), modelType, seed: 4);
            var path = dir.File(modelType + ".gguf");
            var file = HfToGgufConverter.Convert(dir.File(modelType), path, GgufFileType.F32);
            using var hf = SafeTensors.Read(Path.Combine(dir.File(modelType), "model.safetensors"));
            var q = hf.Tensors["model.layers.0.self_attn.q_proj.weight"];
            var k = hf.Tensors["model.layers.0.self_attn.k_proj.weight"];
            var d = TinyHfCheckpoint.HeadDim(modelType);
            using var scope = NewDisposeScope();
            // The public recipe, done with torch ops: reshape(heads, 2, d/2, in) -> swap axes 1 and 2 -> reshape back.
            Tensor Permute(Tensor w, int heads) => w.reshape(heads, 2, d / 2, -1).transpose(1, 2).reshape(w.shape);
            var expectedQ = modelType == "llama" ? Permute(q, TinyHfCheckpoint.Heads) : q;
            var expectedK = modelType == "llama" ? Permute(k, TinyHfCheckpoint.KvHeads) : k;
            Assert.Equal(expectedQ.contiguous().data<float>().ToArray(), GgufReader.ReadTensor(path, file, file.Tensor("blk.0.attn_q.weight")));
            Assert.Equal(expectedK.contiguous().data<float>().ToArray(), GgufReader.ReadTensor(path, file, file.Tensor("blk.0.attn_k.weight")));
        }
    }

    [Fact]
    public void Sharded_half_precision_checkpoints_convert_like_the_single_file()
    {
        using var dir = new TempDir();
        TinyHfCheckpoint.Write(dir.File("hf"), "mistral", seed: 3);
        var sharded = dir.File("sharded");
        Directory.CreateDirectory(sharded);
        foreach (var name in new[] { "config.json", "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(dir.File("hf"), name), Path.Combine(sharded, name));
        }
        var configPath = Path.Combine(sharded, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["rope_scaling"] = new JsonObject { ["type"] = "linear", ["factor"] = 2.0 };
        File.WriteAllText(configPath, config.ToJsonString());
        using var scope = NewDisposeScope();
        using var original = SafeTensors.Read(Path.Combine(dir.File("hf"), "model.safetensors"));
        // Layer 0 and the embeddings in F16, the rest in BF16, in two shards named by an index.
        var first = original.Tensors.Where(t => !t.Key.StartsWith("model.layers.1.", StringComparison.Ordinal))
            .ToDictionary(t => t.Key, t => t.Value.to(ScalarType.Float16));
        var second = original.Tensors.Where(t => t.Key.StartsWith("model.layers.1.", StringComparison.Ordinal))
            .ToDictionary(t => t.Key, t => t.Value.to(ScalarType.BFloat16));
        SafeTensors.Write(Path.Combine(sharded, "model-00001-of-00002.safetensors"), first);
        SafeTensors.Write(Path.Combine(sharded, "model-00002-of-00002.safetensors"), second);
        var map = new JsonObject();
        foreach (var name in first.Keys)
        {
            map[name] = "model-00001-of-00002.safetensors";
        }
        foreach (var name in second.Keys)
        {
            map[name] = "model-00002-of-00002.safetensors";
        }
        File.WriteAllText(Path.Combine(sharded, "model.safetensors.index.json"), new JsonObject { ["weight_map"] = map }.ToJsonString());
        var path = dir.File("s.gguf");

        var file = HfToGgufConverter.Convert(sharded, path, GgufFileType.F32);

        Assert.Equal("linear", file.Metadata["llama.rope.scaling.type"].AsString());
        Assert.Equal(2.0, file.Metadata["llama.rope.scaling.factor"].AsDouble());
        Assert.Equal(original.Tensors.Count, file.Tensors.Count);
        var embedding = first["model.embed_tokens.weight"].to(ScalarType.Float32).contiguous().data<float>().ToArray();
        Assert.Equal(embedding, GgufReader.ReadTensor(path, file, file.Tensor("token_embd.weight")));
        var down = second["model.layers.1.mlp.down_proj.weight"].to(ScalarType.Float32).contiguous().data<float>().ToArray();
        Assert.Equal(down, GgufReader.ReadTensor(path, file, file.Tensor("blk.1.ffn_down.weight")));
        Assert.NotEqual(original.Tensors["model.layers.1.mlp.down_proj.weight"].contiguous().data<float>().ToArray(), down); // BF16 rounded
    }

    [Fact]
    public void Gpt2_conv1d_weights_are_transposed_and_the_head_is_written()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var model = ModelTestData.NewModel(seed: 2);
        Gpt2Checkpoint.Save(model, Gpt2Tokenizer.ByteLevel(), dir.File("hf"));
        var path = dir.File("g.gguf");

        var file = HfToGgufConverter.Convert(dir.File("hf"), path, GgufFileType.F32);

        Assert.Equal("gpt2", file.Metadata["general.architecture"].AsString());
        Assert.Equal("gpt-2", file.Metadata["tokenizer.ggml.pre"].AsString());
        Assert.Equal(1e-5, file.Metadata["gpt2.attention.layer_norm_epsilon"].AsDouble(), 9);
        Assert.Equal(128, file.Metadata["gpt2.feed_forward_length"].AsInteger());
        var qkv = file.Tensor("blk.0.attn_qkv.weight");
        Assert.Equal([32L, 96], qkv.Dimensions); // torch [3C, C] as nn.Linear holds it
        var linear = model.state_dict()["h.0.attn.c_attn.weight"].contiguous().data<float>().ToArray();
        Assert.Equal(linear, GgufReader.ReadTensor(path, file, qkv));
        Assert.Equal(GgufReader.ReadTensor(path, file, file.Tensor("token_embd.weight")), GgufReader.ReadTensor(path, file, file.Tensor("output.weight")));
        Assert.Equal(3, file.Metadata["tokenizer.ggml.token_type"].AsArray<int>()[256]);
    }

    [Fact]
    public void Unknown_model_type_and_pre_tokenizer_are_one_clear_error()
    {
        using var dir = new TempDir();
        TinyHfCheckpoint.Write(dir.File("hf"), "qwen2");
        var configPath = Path.Combine(dir.File("hf"), "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["model_type"] = "gemma";
        File.WriteAllText(configPath, config.ToJsonString());
        var e = Assert.Throws<CheckpointFormatException>(() => HfToGgufConverter.Convert(dir.File("hf"), dir.File("x.gguf"), GgufFileType.F32));
        Assert.Contains("model_type 'gemma' cannot be converted to GGUF; supported: gpt2, llama, mistral, qwen2, qwen3", e.Message);

        config["model_type"] = "qwen2";
        File.WriteAllText(configPath, config.ToJsonString());
        var tokenizerPath = Path.Combine(dir.File("hf"), "tokenizer.json");
        File.WriteAllText(tokenizerPath, File.ReadAllText(tokenizerPath).Replace(@"\\p{N}|", @"\\p{N}{1,2}|", StringComparison.Ordinal));
        e = Assert.Throws<CheckpointFormatException>(() => HfToGgufConverter.Convert(dir.File("hf"), dir.File("x.gguf"), GgufFileType.F32));
        Assert.Contains("pre_tokenizer is not one llama.cpp is known to reproduce here", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(dir.File("x.gguf")));
    }

    private static float[] HalfSplitRope(float[] x, int heads, int d, int position)
    {
        var result = new float[x.Length];
        for (var h = 0; h < heads; h++)
        {
            for (var i = 0; i < d / 2; i++)
            {
                var angle = position * Math.Pow(10000, -2.0 * i / d);
                double a = x[h * d + i], b = x[h * d + i + d / 2];
                result[h * d + i] = (float)(a * Math.Cos(angle) - b * Math.Sin(angle));
                result[h * d + i + d / 2] = (float)(b * Math.Cos(angle) + a * Math.Sin(angle));
            }
        }
        return result;
    }

    private static float[] AdjacentPairRope(float[] y, int heads, int d, int position)
    {
        var result = new float[y.Length];
        for (var h = 0; h < heads; h++)
        {
            for (var i = 0; i < d / 2; i++)
            {
                var angle = position * Math.Pow(10000, -2.0 * i / d);
                double a = y[h * d + 2 * i], b = y[h * d + 2 * i + 1];
                result[h * d + 2 * i] = (float)(a * Math.Cos(angle) - b * Math.Sin(angle));
                result[h * d + 2 * i + 1] = (float)(b * Math.Cos(angle) + a * Math.Sin(angle));
            }
        }
        return result;
    }
}
