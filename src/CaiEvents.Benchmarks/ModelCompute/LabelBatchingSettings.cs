using CaiEvents.Models.Demo;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>What <see cref="LabelBatchingBenchmark"/> labels.</summary>
/// <param name="Corpus">Inputs of the demo corpus, whose held-out comparisons are the pairs (repeated as needed).</param>
/// <param name="Pairs">Pairs to label.</param>
/// <param name="BatchSize">Pairs per batched labelling call.</param>
public sealed record LabelBatchingSettings(DemoCorpusInputs Corpus, int Pairs, int BatchSize)
{
    /// <summary>Comparison principles per label; each is asked in both option orders.</summary>
    public const int PrinciplesPerLabel = 2;

    public const int Orders = 2;
}
