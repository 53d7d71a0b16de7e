namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// Outcome of <see cref="TrainingBenchmark.Run"/>, printed as it is by <c>cai bench train</c> (property names in snake case),
/// figures already rounded.
/// </summary>
public sealed record TrainingBenchmarkResult(
    string Bench,
    string Model,
    long Parameters,
    int Steps,
    int BatchSize,
    int SequenceLength,
    double TokensPerSecond,
    double ModelGflopPerSecond,
    double MatmulGflopPerSecond,
    double ModelFlopsUtilisation,
    int Threads);
