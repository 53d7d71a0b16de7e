using CaiEvents.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models;

public class Gpt2ModelTests
{
    [Fact]
    public void Forward_returns_logits_per_position_and_hidden_states_per_position()
    {
        using var model = ModelTestData.NewModel();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = randint(0, 257, [3, 10], dtype: ScalarType.Int64);

        var hidden = model.HiddenStates(ids);
        var logits = model.forward(ids);

        Assert.Equal(new long[] { 3, 10, 32 }, hidden.shape);
        Assert.Equal(new long[] { 3, 10, 257 }, logits.shape);
        Assert.True(model.Logits(hidden).allclose(logits, rtol: 0, atol: 0));
    }

    [Fact]
    public void Logits_at_a_position_do_not_depend_on_later_tokens()
    {
        using var model = ModelTestData.NewModel(5);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tokens = arange(4, 24, dtype: ScalarType.Int64).unsqueeze(0);
        var changed = tokens.clone();
        const int k = 12;
        changed[0, k] = tensor(200L);

        var before = model.forward(tokens);
        var after = model.forward(changed);

        Assert.True(before[.., ..k].allclose(after[.., ..k], rtol: 0, atol: 1e-6), "earlier positions changed");
        Assert.False(before[.., k..].allclose(after[.., k..], rtol: 0, atol: 1e-6), "later positions should change");
    }

    [Fact]
    public void Left_padding_with_a_mask_does_not_change_a_rows_logits()
    {
        using var model = ModelTestData.NewModel(2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] shortRow = [10, 20, 30, 40, 50], longRow = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        const long pad = 256;
        var batch = tensor(new[] { pad, pad, pad, pad }.Concat(shortRow).Concat(longRow).ToArray(), [2, 9]);
        var mask = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 9]);

        var batched = model.Forward(batch, mask);
        var aloneShort = model.forward(tensor(shortRow, [1, 5]));
        var aloneLong = model.forward(tensor(longRow, [1, 9]));

        Assert.Equal(0, batched.isnan().sum().item<long>());
        Assert.True(batched[0, 4..].allclose(aloneShort[0], rtol: 0, atol: 1e-5), "padded row differs from the row alone");
        Assert.True(batched[1].allclose(aloneLong[0], rtol: 0, atol: 1e-5), "unpadded row differs from the row alone");
    }

    [Fact]
    public void Kv_cached_forward_matches_the_full_forward_with_and_without_padding()
    {
        using var model = ModelTestData.NewModel(3);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = randint(0, 256, [2, 12], dtype: ScalarType.Int64);
        var mask = ones(2, 12, dtype: ScalarType.Int64);
        mask[0, ..3] = tensor(0L);

        foreach (var m in new[] { null, mask })
        {
            var full = model.Forward(ids, m);
            using var cache = model.CreateKvCache(2, 12);
            // Prefill 7 tokens, then a chunk of 3, then one at a time.
            var parts = new List<Tensor>
            {
                model.Forward(ids[.., ..7], m?[.., ..7], cache),
                model.Forward(ids[.., 7..10], m?[.., ..10], cache),
                model.Forward(ids[.., 10..11], m?[.., ..11], cache),
                model.Forward(ids[.., 11..12], m, cache),
            };
            var incremental = cat(parts, 1);

            Assert.Equal(12, cache.Length);
            var rows = m is null ? full : full[1..];
            var incRows = m is null ? incremental : incremental[1..];
            Assert.True(incRows.allclose(rows, rtol: 0, atol: 1e-5), $"cached logits differ (mask: {m is not null})");
            Assert.True(incremental[0, 3..].allclose(full[0, 3..], rtol: 0, atol: 1e-5), "cached logits of the padded row differ");
        }
    }

    [Fact]
    public void State_dict_names_mirror_hugging_face_gpt2()
    {
        using var model = ModelTestData.NewModel();

        var names = model.state_dict().Keys.ToList();

        string[] perLayer = ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
            "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"];
        var expected = new[] { "wte.weight", "wpe.weight" }
            .Concat(Enumerable.Range(0, 2).SelectMany(i => perLayer.Select(p => $"h.{i}.{p}")))
            .Concat(["ln_f.weight", "ln_f.bias"]);
        Assert.Equal(expected.Order(), names.Order());
    }

    [Fact]
    public void Same_seed_gives_same_weights_and_different_seeds_differ()
    {
        using var a = ModelTestData.NewModel(3);
        using var b = ModelTestData.NewModel(3);
        using var c = ModelTestData.NewModel(4);

        Assert.All(a.state_dict().Zip(b.state_dict()), p => Assert.True(p.First.Value.equal(p.Second.Value).all().item<bool>(), p.First.Key));
        Assert.False(a.state_dict()["wte.weight"].equal(c.state_dict()["wte.weight"]).all().item<bool>());
    }

    [Fact]
    public void Training_backpropagates_into_every_parameter_through_hidden_states()
    {
        using var model = ModelTestData.NewModel(7);
        model.train();
        using var scope = NewDisposeScope();
        var ids = randint(0, 256, [2, 8], dtype: ScalarType.Int64);

        // Language-model loss on the logits plus a scalar "head" on the last hidden state.
        var hidden = model.HiddenStates(ids);
        var logits = model.Logits(hidden);
        var lm = nn.functional.cross_entropy(logits.narrow(1, 0, 7).reshape(-1, 257), ids.narrow(1, 1, 7).reshape(-1));
        var loss = lm + hidden[.., -1].sum() * 1e-3;
        loss.backward();

        Assert.All(model.named_parameters(), p =>
        {
            Assert.NotNull(p.parameter.grad);
            Assert.True(p.parameter.grad!.abs().sum().item<float>() > 0, $"{p.name} got no gradient");
        });
    }

    [Fact]
    public void Too_long_input_without_a_mask_is_rejected()
    {
        using var model = ModelTestData.NewModel(config: ModelTestData.TinyConfig(positions: 8));
        using var scope = NewDisposeScope();

        var ex = Assert.Throws<ArgumentException>(() => model.forward(zeros(1, 9, dtype: ScalarType.Int64)));

        Assert.Contains("context length 8", ex.Message);
    }

    [Fact]
    public void Through_the_causal_lm_seam_it_takes_only_its_own_kv_cache()
    {
        using var model = ModelTestData.NewModel();
        ICausalLanguageModel seam = model;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 1, 2, 3 }, [1, 3]);
        using var own = seam.CreateKvCache(1, 8);

        Assert.IsType<Gpt2KvCache>(own);
        Assert.Equal(model.Config.VocabSize, seam.VocabSize);
        Assert.Equal(model.Config.NPositions, seam.ContextLength);
        Assert.Equal(3, seam.HiddenStates(ids, null, own).shape[1]);
        Assert.Equal(3, own.Length);
        Assert.Throws<ArgumentException>(() => seam.HiddenStates(ids, null, new ForeignCache()));
    }

    private sealed class ForeignCache : IKeyValueCache
    {
        public long Batch => 1;
        public long Capacity => 8;
        public long Length => 0;
        public void Dispose() { }
    }
}
