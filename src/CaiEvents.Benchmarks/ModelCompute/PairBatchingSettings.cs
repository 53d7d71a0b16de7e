using CaiEvents.Models.Demo;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>What <see cref="PairBatchingBenchmark"/> generates.</summary>
/// <param name="Corpus">Inputs of the demo corpus, whose held-out prompts are the pairs' prompts (repeated as needed).</param>
/// <param name="Pairs">Response pairs to generate.</param>
/// <param name="BatchSize">Pairs per batched generation call.</param>
/// <param name="NewTokens">Most new tokens per response.</param>
public sealed record PairBatchingSettings(DemoCorpusInputs Corpus, int Pairs, int BatchSize, int NewTokens);
