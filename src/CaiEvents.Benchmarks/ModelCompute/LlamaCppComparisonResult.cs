namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// Outcome of <see cref="LlamaCppComparisonBenchmark"/>. Peak memory is the growth of this process's peak resident set
/// (VmHWM, reset before each side) over its resident set just before that side was loaded, while it loaded and ran one
/// untimed generation at the largest batch; null where the kernel does not let the peak be reset. The TorchSharp side is
/// measured first, so llama.cpp's figure is measured with the TorchSharp model already resident (its own growth only).
/// <see cref="GreedyAgreement"/> is the fraction of generated token ids both sides agree on in that untimed run
/// (position by position, every row): random weights give near-tied logits, so a late divergence is not an error.
/// </summary>
public sealed record LlamaCppComparisonResult(
    string Model,
    string Gguf,
    long Parameters,
    int PromptTokens,
    int NewTokens,
    int TorchThreads,
    int LlamaCppThreads,
    long? TorchSharpPeakBytes,
    long? LlamaCppPeakBytes,
    long GgufBytes,
    double GreedyAgreement,
    IReadOnlyList<LlamaCppComparisonPoint> Points);
