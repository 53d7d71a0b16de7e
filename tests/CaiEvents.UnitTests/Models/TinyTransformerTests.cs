using CaiEvents.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models;

public class TinyTransformerTests
{
    private static readonly TinyTransformerConfig Config = new(VocabSize: 99, ContextLength: 32);

    [Fact]
    public void Forward_returns_logits_per_position()
    {
        using var model = new TinyTransformer(Config);
        model.InitializeWeights(1);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var logits = model.forward(randint(0, 99, [3, 10], dtype: ScalarType.Int64));

        Assert.Equal(new long[] { 3, 10, 99 }, logits.shape);
    }

    [Fact]
    public void Logits_at_a_position_do_not_depend_on_later_tokens()
    {
        using var model = new TinyTransformer(Config);
        model.InitializeWeights(5);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tokens = arange(4, 24, dtype: ScalarType.Int64).unsqueeze(0);
        var changed = tokens.clone();
        const int k = 12;
        changed[0, k] = tensor(90L);

        var before = model.forward(tokens);
        var after = model.forward(changed);

        Assert.True(before[.., ..k].allclose(after[.., ..k], rtol: 0, atol: 1e-6), "earlier positions changed");
        Assert.False(before[.., k..].allclose(after[.., k..], rtol: 0, atol: 1e-6), "later positions should change");
    }

    [Fact]
    public void Output_head_is_tied_to_the_token_embedding()
    {
        using var model = new TinyTransformer(Config);

        var names = model.state_dict().Keys.ToList();

        Assert.Contains("tok_emb.weight", names);
        Assert.DoesNotContain(names, n => n.Contains("head", StringComparison.Ordinal));
        Assert.Contains("blocks.1.attn.qkv.weight", names);
    }

    [Fact]
    public void Same_seed_gives_same_weights()
    {
        using var a = new TinyTransformer(Config);
        using var b = new TinyTransformer(Config);
        a.InitializeWeights(3);
        b.InitializeWeights(3);

        foreach (var ((name, x), (_, y)) in a.state_dict().Zip(b.state_dict()))
        {
            Assert.True(x.allclose(y, rtol: 0, atol: 0), name);
        }
    }
}
