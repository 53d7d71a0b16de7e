using CaiEvents.Benchmarks.ModelCompute;
using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Benchmarks;

public class TrainingBenchmarkTests
{
    [Fact]
    public void Measures_full_fine_tuning_then_lora_in_one_process_and_counts_only_the_adapters_as_trainable()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, "llama", "tiny", seed: 1);
        using var model = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu);

        var full = TrainingBenchmark.Run(model, steps: 1, batchSize: 2, sequenceLength: 16);
        var lora = TrainingBenchmark.Run(model, steps: 1, batchSize: 2, sequenceLength: 16, settings: new TrainingBenchmarkSettings(LoraRank: 4));

        Assert.Equal(0, full.LoraRank);
        Assert.Equal(full.Parameters, full.TrainableParameters);
        Assert.Equal(4, lora.LoraRank);
        // Tiny Llama: hidden 64, 4 heads and 2 kv heads of 16, MLP 128, 2 layers. Rank r adds r·(in + out) per target:
        // q 128, k 96, v 96, o 128, gate 192, up 192, down 192 → 1024·r per layer.
        Assert.Equal(2 * 1024 * 4, lora.TrainableParameters);
        Assert.Equal(full.Parameters + lora.TrainableParameters, lora.Parameters);
        Assert.Throws<ArgumentException>(() => TrainingBenchmark.Run(model, 1, 2, 16, settings: new TrainingBenchmarkSettings(LoraRank: 8)));
        Assert.Throws<ArgumentException>(() => TrainingBenchmark.Run(model, 1, 2, 16));
    }
}
