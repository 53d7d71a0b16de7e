namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>Generation tokens/s of one model with and without the KV cache (medians of the timed repetitions).</summary>
public sealed record KvCacheBenchmarkResult(
    string Model, long Parameters, int NewTokens, double TokensPerSecondCached, double TokensPerSecondUncached, int Threads)
{
    public double Speedup => TokensPerSecondCached / TokensPerSecondUncached;
}
