using CaiEvents.Models;
using CaiEvents.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

public class LlamaModelTests
{
    [Theory]
    [MemberData(nameof(LlamaTestModels.ModelTypes), MemberType = typeof(LlamaTestModels))]
    public void State_dict_keys_are_hugging_faces(string modelType)
    {
        using var model = LlamaTestModels.NewModel(modelType);

        var keys = model.state_dict().Keys.Where(k => !k.StartsWith("model.layers.1.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

        // Written from transformers' module tree for each class, layer 0 shown.
        var expected = new List<string>
        {
            "model.embed_tokens.weight", "model.layers.0.input_layernorm.weight", "model.layers.0.mlp.down_proj.weight",
            "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight", "model.layers.0.post_attention_layernorm.weight",
            "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.o_proj.weight", "model.layers.0.self_attn.q_proj.weight",
            "model.layers.0.self_attn.v_proj.weight", "model.norm.weight",
        };
        if (modelType is "llama" or "mistral")
        {
            expected.Add("lm_head.weight"); // untied in these tiny shapes
        }
        if (modelType == "qwen2")
        {
            expected.AddRange(["model.layers.0.self_attn.k_proj.bias", "model.layers.0.self_attn.q_proj.bias", "model.layers.0.self_attn.v_proj.bias"]);
        }
        if (modelType == "qwen3")
        {
            expected.AddRange(["model.layers.0.self_attn.k_norm.weight", "model.layers.0.self_attn.q_norm.weight"]);
        }
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public void Qwen3_heads_have_the_explicit_head_dim_and_norms_of_that_width()
    {
        using var model = LlamaTestModels.NewModel("qwen3");
        var state = model.state_dict();

        Assert.Equal(new long[] { 4 * 32, 64 }, state["model.layers.0.self_attn.q_proj.weight"].shape);
        Assert.Equal(new long[] { 2 * 32, 64 }, state["model.layers.0.self_attn.k_proj.weight"].shape);
        Assert.Equal(new long[] { 64, 4 * 32 }, state["model.layers.0.self_attn.o_proj.weight"].shape);
        Assert.Equal(new long[] { 32 }, state["model.layers.0.self_attn.q_norm.weight"].shape);
    }

    [Theory]
    [MemberData(nameof(LlamaTestModels.ModelTypes), MemberType = typeof(LlamaTestModels))]
    public void Kv_cache_decoding_gives_the_full_forwards_logits(string modelType)
    {
        using var model = LlamaTestModels.NewModel(modelType, 3);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = randint(3, LlamaTestModels.VocabSize, [2, 12], dtype: ScalarType.Int64, generator: new Generator(7));
        var full = model.forward(ids);

        using var cache = model.CreateKvCache(2, 16);
        var steps = new List<Tensor> { model.Forward(ids[.., ..5], cache: cache) };
        for (var t = 5; t < 12; t++)
        {
            steps.Add(model.Forward(ids[.., t..(t + 1)], cache: cache));
        }
        var decoded = cat(steps, dim: 1);

        Assert.Equal(12, cache.Length);
        Assert.Equal(2, cache.KeyValueHeads); // n_kv, not the 4 query heads
        Assert.True(decoded.allclose(full, rtol: 0, atol: 1e-5), $"max difference {(decoded - full).abs().max().item<float>()}");
    }

    [Theory]
    [MemberData(nameof(LlamaTestModels.ModelTypes), MemberType = typeof(LlamaTestModels))]
    public void Left_padding_with_a_mask_does_not_change_a_rows_logits_with_or_without_the_cache(string modelType)
    {
        using var model = LlamaTestModels.NewModel(modelType, 2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] shortRow = [10, 20, 30, 40, 50], longRow = [11, 12, 13, 14, 15, 16, 17, 18, 19];
        const long pad = 0;
        var batch = tensor(new[] { pad, pad, pad, pad }.Concat(shortRow).Concat(longRow).ToArray(), [2, 9]);
        var mask = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 9]);

        var batched = model.Forward(batch, mask);
        var aloneShort = model.forward(tensor(shortRow, [1, 5]));
        var aloneLong = model.forward(tensor(longRow, [1, 9]));

        Assert.Equal(0, batched.isnan().sum().item<long>());
        Assert.True(batched[0, 4..].allclose(aloneShort[0], rtol: 0, atol: 1e-5), "padded row differs from the row alone");
        Assert.True(batched[1].allclose(aloneLong[0], rtol: 0, atol: 1e-5), "unpadded row differs from the row alone");

        // The same batch through the cache: prefill 6 columns, then one column at a time, the mask growing with it.
        using var cache = model.CreateKvCache(2, 9);
        var steps = new List<Tensor> { model.Forward(batch[.., ..6], mask[.., ..6], cache) };
        for (var t = 6; t < 9; t++)
        {
            steps.Add(model.Forward(batch[.., t..(t + 1)], mask[.., ..(t + 1)], cache));
        }
        var cached = cat(steps, dim: 1);
        Assert.True(cached[0, 4..].allclose(aloneShort[0], rtol: 0, atol: 1e-5), "cached padded row differs from the row alone");
        Assert.True(cached[1].allclose(aloneLong[0], rtol: 0, atol: 1e-5), "cached unpadded row differs from the row alone");
    }

    [Fact]
    public void Grouped_query_attention_equals_full_attention_with_each_kv_head_copied_to_its_group()
    {
        // 4 query heads over 2 kv heads: kv head 0 serves query heads 0 and 1, kv head 1 serves 2 and 3 (HF's repeat_kv).
        // The same network written with 4 kv heads, k/v rows copied per group, must give the same logits.
        var grouped = LlamaTestModels.TinyConfig("llama");
        using var gqa = LlamaTestModels.NewModel("llama", 4, grouped);
        using var mha = LlamaTestModels.NewModel("llama", 5, grouped with { NumKeyValueHeads = 4 });
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var source = gqa.state_dict();
        foreach (var (name, target) in mha.state_dict())
        {
            var value = source[name];
            if (name.EndsWith("k_proj.weight", StringComparison.Ordinal) || name.EndsWith("v_proj.weight", StringComparison.Ordinal))
            {
                // [n_kv · d, C] -> [n_kv, d, C] -> each head twice -> [2 n_kv · d, C]
                value = value.view(2, 16, 64).repeat_interleave(2, dim: 0).reshape(4 * 16, 64);
            }
            target.copy_(value);
        }
        var ids = randint(3, LlamaTestModels.VocabSize, [2, 10], dtype: ScalarType.Int64, generator: new Generator(9));

        var a = gqa.forward(ids);
        var b = mha.forward(ids);

        Assert.True(a.allclose(b, rtol: 0, atol: 1e-5), $"max difference {(a - b).abs().max().item<float>()}");
    }

    [Fact]
    public void A_tied_model_has_no_lm_head_and_projects_with_the_embedding_an_untied_one_uses_its_own_head()
    {
        using var tied = LlamaTestModels.NewModel("qwen2");
        using var untied = LlamaTestModels.NewModel("llama");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 5, 6, 7 }, [1, 3]);

        var tiedHidden = tied.HiddenStates(ids);
        var untiedHidden = untied.HiddenStates(ids);

        Assert.DoesNotContain("lm_head.weight", tied.state_dict().Keys);
        Assert.True(tied.forward(ids).allclose(matmul(tiedHidden, tied.TokenEmbedding.t()), rtol: 0, atol: 1e-6));
        var head = untied.state_dict()["lm_head.weight"];
        Assert.True(untied.forward(ids).allclose(matmul(untiedHidden, head.t()), rtol: 0, atol: 1e-6));
        Assert.False(untied.forward(ids).allclose(matmul(untiedHidden, untied.TokenEmbedding.t()), rtol: 0, atol: 1e-3));
    }

    [Theory]
    [InlineData("qwen2", "model.layers.0.self_attn.k_proj.bias")]
    [InlineData("qwen2", "model.layers.1.self_attn.q_proj.bias")]
    [InlineData("qwen2", "model.layers.0.self_attn.v_proj.bias")]
    [InlineData("qwen3", "model.layers.0.self_attn.q_norm.weight")]
    [InlineData("qwen3", "model.layers.1.self_attn.k_norm.weight")]
    public void Qwen_biases_and_qk_norms_take_part_in_the_output(string modelType, string parameterName)
    {
        using var model = LlamaTestModels.NewModel(modelType);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 5, 6, 7, 8 }, [1, 4]);
        var before = model.forward(ids);

        model.state_dict()[parameterName].add_(0.5);
        var after = model.forward(ids);

        Assert.False(before.allclose(after, rtol: 0, atol: 1e-4), $"{parameterName} does not change the logits");
    }

    [Fact]
    public void Mistral_refuses_a_sequence_longer_than_its_sliding_window_in_one_line()
    {
        using var model = LlamaTestModels.NewModel("mistral");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var e = Assert.Throws<ArgumentException>(() => model.forward(zeros([1, 257], ScalarType.Int64)));
        model.forward(zeros([1, 256], ScalarType.Int64)); // the window itself is fine

        Assert.Contains("257 tokens exceeds mistral's sliding_window of 256", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(256, ((ICausalLanguageModel)model).ContextLength);
    }

    [Fact]
    public void Same_seed_same_weights_norms_one_biases_zero()
    {
        using var a = LlamaTestModels.NewModel("qwen2", 11);
        using var b = LlamaTestModels.NewModel("qwen2", 11);
        using var c = LlamaTestModels.NewModel("qwen2", 12);
        var sa = a.state_dict();

        Assert.All(sa, kv => Assert.True(LlamaTestModels.Same(kv.Value, b.state_dict()[kv.Key]), kv.Key));
        Assert.False(LlamaTestModels.Same(sa["model.embed_tokens.weight"], c.state_dict()["model.embed_tokens.weight"]));
        Assert.Equal(1f, sa["model.norm.weight"].min().item<float>());
        Assert.Equal(0f, sa["model.layers.0.self_attn.q_proj.bias"].abs().max().item<float>());
        Assert.Equal(0.2, sa["model.embed_tokens.weight"].std().item<float>(), 1);
    }

    [Fact]
    public void Works_through_the_causal_language_model_seam()
    {
        using var model = LlamaTestModels.NewModel("llama");
        ICausalLanguageModel seam = model;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var cache = seam.CreateKvCache(1, 4);

        var hidden = seam.HiddenStates(tensor(new long[] { 3, 4 }, [1, 2]), null, cache);

        Assert.Equal(new long[] { 1, 2, 64 }, hidden.shape);
        Assert.Equal(LlamaTestModels.VocabSize, seam.Logits(hidden).shape[^1]);
        Assert.Equal(64, seam.HiddenSize);
        Assert.Equal(1024, seam.ContextLength);
        Assert.Equal(ScalarType.Float32, seam.DType);
    }
}
