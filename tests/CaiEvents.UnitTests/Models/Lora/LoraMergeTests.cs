using CaiEvents.Models;
using CaiEvents.Models.Lora;

namespace CaiEvents.UnitTests.Models.Lora;

public class LoraMergeTests
{
    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void A_merged_checkpoint_gives_the_base_plus_adapter_logits(string family)
    {
        using var root = new TempDir();
        var baseDir = Path.Combine(root.Path, "base");
        var baseSha = LoraTestModels.Write(baseDir, family);
        var (architecture, checkpoint) = LoraTestModels.Load(baseDir);
        float[] adapted, plain;
        try
        {
            plain = LoraTestModels.Logits(checkpoint.Network);
            var adapters = LoraAdapters.Attach(checkpoint.Network, new LoraConfig(8, 16, 0, LoraConfig.DefaultTargets(checkpoint.Network)), 3);
            LoraTestModels.Perturb(adapters, 4);
            adapted = LoraTestModels.Logits(checkpoint.Network);
            adapters.Merge();
            Assert.Equal(adapted.Length, LoraTestModels.Logits(checkpoint.Network).Length);
            architecture.Save(checkpoint.Network, checkpoint.Tokenizer, Path.Combine(root.Path, "merged"));
        }
        finally
        {
            LoraTestModels.Dispose(checkpoint.Network);
        }

        var (_, merged) = LoraTestModels.Load(Path.Combine(root.Path, "merged"));
        try
        {
            var logits = LoraTestModels.Logits(merged.Network);
            Assert.NotEqual(baseSha, merged.WeightsSha256);
            Assert.True(adapted.Zip(plain).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the adapter must change the logits for the test to mean anything");
            var worst = adapted.Zip(logits).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst < 1e-4, $"merged logits differ by {worst}");
        }
        finally
        {
            LoraTestModels.Dispose(merged.Network);
        }
    }
}
