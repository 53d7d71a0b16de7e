using CaiEvents.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

public class LlamaModelReferenceTests
{
    [Theory]
    [MemberData(nameof(LlamaTestModels.ModelTypes), MemberType = typeof(LlamaTestModels))]
    public void Logits_match_a_plain_double_precision_implementation_of_the_formulas(string modelType) =>
        AssertMatchesReference(LlamaTestModels.TinyConfig(modelType));

    [Fact]
    public void Linear_rope_scaling_matches_the_reference()
    {
        AssertMatchesReference(LlamaTestModels.TinyConfig("llama") with { RopeScaling = new RopeScaling("linear", 4) });
    }

    [Fact]
    public void Llama_with_attention_and_mlp_biases_and_a_single_kv_head_matches_the_reference()
    {
        AssertMatchesReference(LlamaTestModels.TinyConfig("llama") with
        {
            AttentionBias = true, MlpBias = true, NumKeyValueHeads = 1, RopeScaling = null, TieWordEmbeddings = true,
        });
    }

    private static void AssertMatchesReference(LlamaConfig config)
    {
        using var model = LlamaTestModels.NewModel(config.ModelType, 21, config);
        using (no_grad())
        {
            // Non-trivial norms and biases, so their handling is compared too.
            var generator = new Generator(22);
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal) || name.EndsWith("norm.weight", StringComparison.Ordinal))
                {
                    using var draw = empty(parameter.shape).normal_(0, 0.3, generator);
                    parameter.add_(draw);
                }
            }
        }
        long[] ids = [5, 17, 42, 3, 96, 8, 8, 60, 1, 33, 70, 2];
        var expected = new NaiveLlamaReference(model).Logits(ids);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var actual = model.forward(tensor(ids, [1, ids.Length]))[0];
        var reference = tensor(expected.SelectMany(r => r.Select(v => (float)v)).ToArray(), [ids.Length, LlamaTestModels.VocabSize]);

        var difference = (actual - reference).abs().max().item<float>();
        Assert.True(difference < 1e-4, $"max |Δlogit| {difference}");
        Assert.True(reference.abs().max().item<float>() > 0.1, "logits too small to compare meaningfully");
    }
}
