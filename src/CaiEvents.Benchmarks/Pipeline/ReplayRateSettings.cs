namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>What <see cref="ReplayRateBenchmark"/> measures.</summary>
/// <param name="Prompts">Prompts in the dataset that is rebuilt.</param>
/// <param name="Revisions">Critique/revision rounds per prompt.</param>
/// <param name="WithPairs">Also run the RL labelling stage, so the dataset holds response pairs and labels.</param>
/// <param name="Repetitions">Timed repetitions of each side (after one untimed warm-up each).</param>
public sealed record ReplayRateSettings(int Prompts, int Revisions, bool WithPairs, int Repetitions);
