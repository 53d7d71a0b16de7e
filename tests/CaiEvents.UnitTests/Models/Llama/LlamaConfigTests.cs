using CaiEvents.Models;
using CaiEvents.Models.Llama;

namespace CaiEvents.UnitTests.Models.Llama;

public class LlamaConfigTests
{
    private const string Source = "/models/x/config.json";

    private static string Json(string modelType, string extra = "") => $$"""
        {"model_type": "{{modelType}}", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
         "num_attention_heads": 4, "max_position_embeddings": 512 {{extra}}}
        """;

    [Fact]
    public void A_smollm2_style_config_parses_with_hf_defaults()
    {
        const string extra = """
            , "tie_word_embeddings": true, "rms_norm_eps": 1e-5, "rope_theta": 100000,
            "bos_token_id": 0, "eos_token_id": 0, "torch_dtype": "bfloat16"
            """;
        var config = LlamaConfig.Parse(Json("llama", extra), Source);

        Assert.Equal("llama", config.ModelType);
        Assert.Equal(4, config.NumKeyValueHeads); // defaults to the number of heads
        Assert.Equal(16, config.HeadDim); // hidden / heads
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(1e-5, config.RmsNormEps);
        Assert.Equal(100000, config.RopeTheta);
        Assert.Equal(0, config.BosTokenId);
        Assert.Equal([0], config.EosTokenIds!);
        Assert.Equal("bfloat16", config.TorchDtype);
        Assert.Null(config.RopeScaling);
        Assert.Null(config.EffectiveSlidingWindow);
    }

    [Fact]
    public void Qwen3_head_dim_may_differ_from_hidden_over_heads_and_eos_may_be_a_list()
    {
        var config = LlamaConfig.Parse(Json("qwen3", """, "head_dim": 128, "num_key_value_heads": 2, "eos_token_id": [7, 9]"""), Source);

        Assert.Equal(128, config.HeadDim);
        Assert.Equal(2, config.NumKeyValueHeads);
        Assert.Equal([7, 9], config.EosTokenIds!);
        Assert.True(config.QkNorm);
    }

    [Fact]
    public void Qwen2_always_has_qkv_biases_and_no_output_bias()
    {
        var config = LlamaConfig.Parse(Json("qwen2"), Source);

        Assert.True(config.QkvBias);
        Assert.False(config.OutputBias);
        Assert.False(LlamaConfig.Parse(Json("llama"), Source).QkvBias);
        Assert.True(LlamaConfig.Parse(Json("llama", ", \"attention_bias\": true"), Source).OutputBias);
    }

    [Fact]
    public void Sliding_window_applies_to_mistral_when_set_and_to_qwen2_only_with_use_sliding_window_below_max_window_layers()
    {
        Assert.Equal(32, LlamaConfig.Parse(Json("mistral", ", \"sliding_window\": 32"), Source).EffectiveSlidingWindow);
        Assert.Null(LlamaConfig.Parse(Json("mistral", ", \"sliding_window\": null"), Source).EffectiveSlidingWindow);
        Assert.Null(LlamaConfig.Parse(Json("qwen2", ", \"sliding_window\": 32"), Source).EffectiveSlidingWindow);
        const string windowed = ", \"sliding_window\": 32, \"use_sliding_window\": true";
        Assert.Equal(32, LlamaConfig.Parse(Json("qwen2", windowed + ", \"max_window_layers\": 1"), Source).EffectiveSlidingWindow);
        // transformers' default max_window_layers (28) is beyond these 2 layers: no layer has a window.
        Assert.Null(LlamaConfig.Parse(Json("qwen2", windowed), Source).EffectiveSlidingWindow);
    }

    [Fact]
    public void Rope_scaling_llama3_and_linear_parse_under_either_key()
    {
        const string scaling = """
            , "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
            """;
        var llama3 = LlamaConfig.Parse(Json("llama", scaling), Source);
        var linear = LlamaConfig.Parse(Json("llama", """, "rope_scaling": {"type": "linear", "factor": 2.0}"""), Source);

        Assert.Equal(new RopeScaling("llama3", 8, 1, 4, 8192), llama3.RopeScaling);
        Assert.Equal(new RopeScaling("linear", 2), linear.RopeScaling);
    }

    [Fact]
    public void Newer_transformers_rope_parameters_give_theta_and_scaling()
    {
        const string parameters = """
            , "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
            """;
        var config = LlamaConfig.Parse(Json("llama", parameters), Source);
        var plain = LlamaConfig.Parse(Json("qwen3", """, "rope_parameters": {"rope_type": "default", "rope_theta": 1000000}"""), Source);

        Assert.Equal(500000, config.RopeTheta);
        Assert.Equal(new RopeScaling("llama3", 32, 1, 4, 8192), config.RopeScaling);
        Assert.Equal(1000000, plain.RopeTheta);
        Assert.Null(plain.RopeScaling);
    }

    [Theory]
    [InlineData("gpt_neox", "", "field 'model_type' is 'gpt_neox'; supported model types: llama, mistral, qwen2, qwen3")]
    [InlineData("llama", ", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}", "field 'rope_scaling' has type 'yarn'; supported: linear, llama3")]
    [InlineData("llama", ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8}", "rope_scaling llama3 needs low_freq_factor")]
    [InlineData("llama", ", \"hidden_act\": \"gelu\"", "field 'hidden_act' is 'gelu'; only 'silu' is supported")]
    [InlineData("llama", ", \"num_key_value_heads\": 3", "num_attention_heads (4) must be a multiple of num_key_value_heads (3)")]
    [InlineData("qwen2", ", \"mlp_bias\": true", "mlp_bias true is supported for model_type llama only")]
    [InlineData("mistral", ", \"attention_bias\": true", "attention_bias true is not supported for model_type mistral")]
    [InlineData("llama", ", \"eos_token_id\": 100", "eos_token_id (100) must lie in [0, 100)")]
    [InlineData("llama", ", \"eos_token_id\": \"x\"", "field 'eos_token_id' has value \"x\", expected an integer or a list of them")]
    [InlineData("llama", ", \"rms_norm_eps\": \"small\"", "field 'rms_norm_eps' has value \"small\", expected a number")]
    [InlineData("llama", ", \"head_dim\": 15", "head_dim (15) must be even")]
    [InlineData("mistral", ", \"sliding_window\": 0", "sliding_window (0) must be > 0 or null")]
    public void Unsupported_or_malformed_fields_are_refused_in_one_line_naming_file_and_field(string modelType, string extra, string expected)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaConfig.Parse(Json(modelType, extra), Source));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(Source, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_required_field_is_named()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaConfig.Parse("""{"model_type": "llama", "vocab_size": 10}""", Source));

        Assert.Contains("missing required field(s): hidden_size, intermediate_size, num_hidden_layers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_type_can_be_read_before_choosing_a_loader()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("gpt2.json"), """{"model_type": "gpt2", "n_embd": 8}""");
        File.WriteAllText(dir.File("none.json"), """{"n_embd": 8}""");
        LlamaShapes.Create("qwen3", "tiny", 10).Save(dir.File("qwen3.json"));

        Assert.Equal("gpt2", LlamaConfig.ReadModelType(dir.File("gpt2.json")));
        Assert.Null(LlamaConfig.ReadModelType(dir.File("none.json")));
        Assert.Equal("qwen3", LlamaConfig.ReadModelType(dir.File("qwen3.json")));
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaConfig.Load("/nonexistent/config.json"));

        Assert.Contains("/nonexistent/config.json", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("llama", "LlamaForCausalLM")]
    [InlineData("mistral", "MistralForCausalLM")]
    [InlineData("qwen2", "Qwen2ForCausalLM")]
    [InlineData("qwen3", "Qwen3ForCausalLM")]
    public void Saved_config_names_the_hf_class_and_reads_back_the_same(string modelType, string architecture)
    {
        var config = LlamaShapes.Create(modelType, LlamaShapes.Tiny, 50, bosTokenId: 1, eosTokenIds: [2, 3]);

        var json = config.ToJson();
        var again = LlamaConfig.Parse(json, Source);

        Assert.Contains($"\"architectures\": [\n    \"{architecture}\"\n  ]", json, StringComparison.Ordinal);
        Assert.Equal(json, again.ToJson());
        Assert.Equal(config with { EosTokenIds = null }, again with { EosTokenIds = null });
        Assert.Equal([2, 3], again.EosTokenIds!);
    }
}
