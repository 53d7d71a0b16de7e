using CaiEvents.Models;
using CaiEvents.Models.Lora;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Lora;

public class LoraAdapterTests
{
    [Fact]
    public void A_lora_layer_computes_the_base_output_plus_alpha_over_r_times_b_a_x()
    {
        using var layer = new LoraLinear("proj", 6, 4);
        using var generator = new Generator(3);
        layer.AttachAdapter(rank: 2, alpha: 8, dropoutRate: 0, generator);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            layer.LoraB!.normal_(0, 1, generator);
        }
        var x = randn(new long[] { 3, 6 }, generator: generator);
        // By hand: x Wᵀ + b + (8 / 2) · x Aᵀ Bᵀ.
        var expected = x.matmul(layer.Weight.t()) + layer.named_parameters().First(p => p.name == "bias").parameter
            + 4.0 * x.matmul(layer.LoraA!.t()).matmul(layer.LoraB!.t());
        Assert.True(layer.forward(x).allclose(expected, rtol: 1e-5, atol: 1e-6));
        layer.AdapterEnabled = false;
        Assert.True(layer.forward(x).allclose(expected - 4.0 * x.matmul(layer.LoraA!.t()).matmul(layer.LoraB!.t()), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void A_is_kaiming_uniform_within_one_over_root_fan_in_and_b_starts_at_zero()
    {
        using var layer = new LoraLinear("proj", 64, 16);
        using var generator = new Generator(1);
        layer.AttachAdapter(rank: 8, alpha: 16, dropoutRate: 0, generator);
        var a = layer.LoraA!.data<float>().ToArray();
        Assert.Equal([8L, 64L], layer.LoraA!.shape);
        Assert.Equal([16L, 8L], layer.LoraB!.shape);
        Assert.All(a, v => Assert.InRange(v, -1 / 8f, 1 / 8f)); // PEFT's kaiming_uniform_(a=√5): bound 1/√fan_in = 1/8
        Assert.True(a.Max() > 0.1f && a.Min() < -0.1f);
        Assert.All(layer.LoraB!.data<float>().ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void An_untrained_adapter_changes_nothing_and_freezes_the_base_whose_hash_stays(string family)
    {
        using var dir = new TempDir();
        var sha = LoraTestModels.Write(dir.Path, family);
        var (architecture, checkpoint) = LoraTestModels.Load(dir.Path);
        try
        {
            var before = LoraTestModels.Logits(checkpoint.Network);
            var adapters = LoraAdapters.Attach(checkpoint.Network, new LoraConfig(4, 8, 0, LoraConfig.DefaultTargets(checkpoint.Network)), seed: 2);
            Assert.Equal(before, LoraTestModels.Logits(checkpoint.Network));
            Assert.Equal(sha, architecture.WeightsSha256(checkpoint.Network));
            var trainable = checkpoint.Network.parameters().Where(p => p.requires_grad).ToList();
            Assert.Equal(adapters.Parameters.Count, trainable.Count);
            Assert.All(trainable, p => Assert.Contains(p, adapters.Parameters));
            var layersPerBlock = family == RandomCheckpoints.Gpt2 ? 4 : 7;
            Assert.Equal(2 * layersPerBlock, adapters.LayerPaths.Count);
        }
        finally
        {
            LoraTestModels.Dispose(checkpoint.Network);
        }
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Disabling_the_adapters_gives_the_base_model_back(string family)
    {
        using var dir = new TempDir();
        LoraTestModels.Write(dir.Path, family);
        var (_, checkpoint) = LoraTestModels.Load(dir.Path);
        try
        {
            var before = LoraTestModels.Logits(checkpoint.Network);
            var adapters = LoraAdapters.Attach(checkpoint.Network, new LoraConfig(4, 8, 0, LoraConfig.DefaultTargets(checkpoint.Network)), seed: 2);
            LoraTestModels.Perturb(adapters, 5);
            var adapted = LoraTestModels.Logits(checkpoint.Network);
            Assert.NotEqual(before, adapted);
            adapters.Enabled = false;
            Assert.Equal(before, LoraTestModels.Logits(checkpoint.Network));
            adapters.Enabled = true;
            Assert.Equal(adapted, LoraTestModels.Logits(checkpoint.Network));
        }
        finally
        {
            LoraTestModels.Dispose(checkpoint.Network);
        }
    }

    [Fact]
    public void A_target_the_family_does_not_have_is_refused_naming_it()
    {
        using var dir = new TempDir();
        LoraTestModels.Write(dir.Path, "llama");
        var (_, checkpoint) = LoraTestModels.Load(dir.Path);
        try
        {
            var e = Assert.Throws<ArgumentException>(() => LoraAdapters.Attach(checkpoint.Network, new LoraConfig(4, 8, 0, ["c_attn"]), 1));
            Assert.Contains("'c_attn'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            LoraTestModels.Dispose(checkpoint.Network);
        }
    }
}
