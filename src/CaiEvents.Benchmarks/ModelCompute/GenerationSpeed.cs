namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// Decode speed of one implementation at one batch size: every timed run (a fresh prefill of the prompt then
/// <paramref name="NewTokens"/> greedy steps per row) and tokens/s of the median run, all rows together.
/// </summary>
public sealed record GenerationSpeed(string Implementation, int BatchSize, bool UseKvCache, int NewTokens, IReadOnlyList<double> RunSeconds)
{
    public double MedianSeconds => RunSeconds.Order().ElementAt(RunSeconds.Count / 2);

    public double TokensPerSecond => BatchSize * NewTokens / MedianSeconds;
}
