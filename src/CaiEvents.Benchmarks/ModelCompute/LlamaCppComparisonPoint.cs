namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>Both implementations at one batch size and cache setting, timed interleaved in the same process.</summary>
public sealed record LlamaCppComparisonPoint(GenerationSpeed TorchSharp, GenerationSpeed LlamaCpp)
{
    public int BatchSize => TorchSharp.BatchSize;

    public bool UseKvCache => TorchSharp.UseKvCache;

    /// <summary>TorchSharp tokens/s over llama.cpp tokens/s (1 = as fast).</summary>
    public double Ratio => TorchSharp.TokensPerSecond / LlamaCpp.TokensPerSecond;
}
