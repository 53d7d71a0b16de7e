using CaiEvents.Benchmarks.ModelCompute;
using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Benchmarks;

public class CheckpointLoadBenchmarkTests
{
    [Fact]
    public void Reports_the_weight_files_and_the_loaded_weights_of_a_checkpoint()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, "qwen3", "tiny", seed: 1);

        var result = CheckpointLoadBenchmark.Run(ModelIds.Hf(dir.Path), ModelOptions.Cpu);

        Assert.Equal("qwen3", result.Architecture);
        Assert.Equal(new FileInfo(Path.Combine(dir.Path, "model.safetensors")).Length, result.FileBytes);
        // float32 weights: 4 bytes a parameter; the file adds only its JSON header.
        Assert.InRange(result.FileBytes - result.WeightBytes, 1, 64 * 1024);
        Assert.True(result.PeakGrowthBytes >= result.ResidentGrowthBytes - 4096);
    }

    [Fact]
    public void Refuses_what_is_not_an_hf_checkpoint()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => CheckpointLoadBenchmark.Run("builtin:tiny", ModelOptions.Cpu));
        Assert.Throws<ArgumentException>(() => CheckpointLoadBenchmark.Run(ModelIds.Hf(dir.Path), ModelOptions.Cpu));
    }
}
