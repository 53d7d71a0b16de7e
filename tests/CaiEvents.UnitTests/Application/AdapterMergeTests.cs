using CaiEvents.Application;
using CaiEvents.Application.ModelManagement;
using CaiEvents.Models;
using CaiEvents.Models.Lora;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Lora;

namespace CaiEvents.UnitTests.Application;

public class AdapterMergeTests
{
    private static (string BaseDir, string AdapterDir, float[] Adapted) Adapter(string root, string family)
    {
        var baseDir = Path.Combine(root, "base");
        var adapterDir = Path.Combine(root, "adapter");
        LoraTestModels.Write(baseDir, family);
        var (_, checkpoint) = LoraTestModels.Load(baseDir);
        try
        {
            var adapters = LoraAdapters.Attach(checkpoint.Network, new LoraConfig(4, 8, 0, LoraConfig.DefaultTargets(checkpoint.Network)), 1);
            LoraTestModels.Perturb(adapters, 2);
            var adapted = LoraTestModels.Logits(checkpoint.Network);
            PeftAdapter.Save(adapters, adapterDir, baseDir);
            return (baseDir, adapterDir, adapted);
        }
        finally
        {
            LoraTestModels.Dispose(checkpoint.Network);
        }
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Merge_writes_a_full_checkpoint_that_loads_as_hf_with_the_adapted_logits_and_the_printed_hash(string family)
    {
        using var root = new TempDir();
        var (baseDir, adapterDir, adapted) = Adapter(root.Path, family);
        var result = AdapterMerge.Merge(adapterDir, Path.Combine(root.Path, "merged"));
        Assert.False(File.Exists(Path.Combine(result.Directory, PeftAdapter.ConfigFileName)));
        using var merged = LocalTextModel.Load("hf:" + result.Directory, result.Directory, ModelOptions.Cpu);
        Assert.Null(merged.Adapters);
        Assert.Equal(result.Sha256, merged.Identity.CheckpointHash);
        Assert.Equal(baseDir, result.BaseDirectory);
        var worst = adapted.Zip(LoraTestModels.Logits(merged.Network)).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst < 1e-4, $"merged logits differ by {worst}");
    }

    [Fact]
    public void A_non_empty_output_or_a_directory_without_an_adapter_is_refused_and_nothing_is_written()
    {
        using var root = new TempDir();
        var (baseDir, adapterDir, _) = Adapter(root.Path, "llama");
        var occupied = Path.Combine(root.Path, "occupied");
        Directory.CreateDirectory(occupied);
        File.WriteAllText(Path.Combine(occupied, "keep.txt"), "x");
        var e = Assert.Throws<UsageException>(() => AdapterMerge.Merge(adapterDir, occupied));
        Assert.StartsWith("--out:", e.Message, StringComparison.Ordinal);
        Assert.Single(Directory.EnumerateFileSystemEntries(occupied));
        var notAdapter = Assert.Throws<UsageException>(() => AdapterMerge.Merge(baseDir, Path.Combine(root.Path, "m2")));
        Assert.StartsWith("--adapter:", notAdapter.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root.Path, "m2")));
    }

    [Fact]
    public void Inspect_of_an_adapter_directory_reports_the_base_and_adapter_hashes_beside_the_combined_one()
    {
        using var root = new TempDir();
        var (baseDir, adapterDir, _) = Adapter(root.Path, "llama");
        var plain = ModelInspection.Inspect("hf:" + baseDir);
        var adapted = ModelInspection.Inspect("hf:" + adapterDir);
        var adapterSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            File.ReadAllBytes(Path.Combine(adapterDir, PeftAdapter.WeightsFileName))));
        Assert.Null(plain.BaseSha256);
        Assert.Null(plain.AdapterSha256);
        Assert.Equal(plain.CheckpointSha256, adapted.BaseSha256);
        Assert.Equal(adapterSha, adapted.AdapterSha256);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.ASCII.GetBytes(plain.CheckpointSha256 + adapterSha))), adapted.CheckpointSha256);
        Assert.Equal(plain.Architecture, adapted.Architecture);
    }
}
