namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// What <see cref="LlamaCppComparisonBenchmark"/> runs: our TorchSharp model (<paramref name="ModelId"/>, e.g. <c>hf:DIR</c>) and
/// llama.cpp on the same weights (<paramref name="GgufPath"/>, an f32 GGUF of it), greedy, <paramref name="NewTokens"/> tokens
/// after a fixed prompt of <paramref name="PromptTokens"/> ids, at each of <paramref name="Batches"/> (rows decoded together).
/// With the KV cache each batch is timed <paramref name="Repeats"/> times per side; without it (every step recomputes the whole
/// sequence, quadratic in length) only the batches of <paramref name="UncachedBatches"/>, <paramref name="UncachedRepeats"/> times.
/// Both sides compute with <paramref name="Threads"/> threads (0 = TorchSharp's current count); TorchSharp's count is
/// process-wide, so it is set for the run and restored after it.
/// </summary>
public sealed record LlamaCppComparisonSettings(
    string ModelId,
    string GgufPath,
    IReadOnlyList<int> Batches,
    int NewTokens = 64,
    int PromptTokens = 16,
    int Repeats = 3,
    IReadOnlyList<int>? UncachedBatches = null,
    int UncachedRepeats = 1,
    int Threads = 0)
{
    /// <summary>Batches also timed without the KV cache: <see cref="UncachedBatches"/>, or batch 1 when not given.</summary>
    public IReadOnlyList<int> UncachedBatchesOrDefault => UncachedBatches ?? [1];

    /// <summary>The largest batch of either list: the llama.cpp context is sized for it.</summary>
    public int LargestBatch => Batches.Concat(UncachedBatchesOrDefault).DefaultIfEmpty(1).Max();
}
