using CaiEvents.Models;
using static TorchSharp.torch;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// <c>cai bench generate</c>: <see cref="GenerationBenchmark"/> (batch 1, 16-token prompt) with the KV cache (3 timed runs)
/// and without it (1 timed run: it is the slow side).
/// </summary>
public static class KvCacheBenchmark
{
    public static async Task<KvCacheBenchmarkResult> RunAsync(LocalTextModel model, int newTokens, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        var cached = await GenerationBenchmark.RunAsync(model, newTokens, useKvCache: true, cancellationToken: ct);
        var uncached = await GenerationBenchmark.RunAsync(model, newTokens, useKvCache: false, repeats: 1, cancellationToken: ct);
        return new KvCacheBenchmarkResult(model.Identity.ModelId, cached.Parameters, newTokens, cached.TokensPerSecond, uncached.TokensPerSecond,
            get_num_threads());
    }
}
