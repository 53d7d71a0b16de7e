using CaiEvents.Benchmarks.ModelCompute;
using CaiEvents.Models.Gguf;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Gguf;

namespace CaiEvents.UnitTests.Benchmarks;

/// <summary>
/// The shape of <c>cai bench generate --against</c>'s result on a tiny checkpoint: every requested point on both sides, with the
/// runs asked for. No timing is asserted (performance lives in docs/benchmarks.md, never in tests).
/// </summary>
public class LlamaCppComparisonBenchmarkTests
{
    [Fact]
    public async Task Every_batch_is_timed_on_both_sides_with_and_without_the_cache()
    {
        using var dir = new TempDir();
        TinyHfCheckpoint.Write(dir.File("hf"), "llama", seed: 7);
        HfToGgufConverter.Convert(dir.File("hf"), dir.File("m.gguf"), GgufFileType.F32);
        var settings = new LlamaCppComparisonSettings("hf:" + dir.File("hf"), LlamaCppTextModel.Scheme + dir.File("m.gguf"), [1, 3],
            NewTokens: 5, PromptTokens: 4, Repeats: 2, UncachedBatches: [2], UncachedRepeats: 1);
        var progress = new List<string>();

        var result = await LlamaCppComparisonBenchmark.RunAsync(settings, progress.Add, CancellationToken.None);

        Assert.Equal([(1, true), (3, true), (2, false)], result.Points.Select(p => (p.BatchSize, p.UseKvCache)));
        Assert.Equal([2, 2, 1], result.Points.Select(p => p.TorchSharp.RunSeconds.Count));
        Assert.Equal([2, 2, 1], result.Points.Select(p => p.LlamaCpp.RunSeconds.Count));
        Assert.All(result.Points, p =>
        {
            Assert.Equal(("torchsharp", "llama.cpp"), (p.TorchSharp.Implementation, p.LlamaCpp.Implementation));
            Assert.Equal(p.TorchSharp.BatchSize, p.LlamaCpp.BatchSize);
            Assert.True(p.TorchSharp.TokensPerSecond > 0 && p.LlamaCpp.TokensPerSecond > 0);
            Assert.True(double.IsFinite(p.Ratio) && p.Ratio > 0);
        });
        Assert.Equal((4, 5), (result.PromptTokens, result.NewTokens));
        Assert.Equal(result.TorchThreads, result.LlamaCppThreads);
        Assert.Equal(new FileInfo(dir.File("m.gguf")).Length, result.GgufBytes);
        // The tiny checkpoint's two implementations agree within 1e-3 (the parity tests), so greedy ids are identical.
        Assert.Equal(1.0, result.GreedyAgreement);
        Assert.Equal(2 + 2 + 2 + 1, progress.Count); // two "loaded" lines, then one per timed point and repeat
    }
}
