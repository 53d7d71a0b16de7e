namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>What <see cref="PipelineThroughputBenchmark"/> measures.</summary>
/// <param name="Prompts">Prompts in the timed run.</param>
/// <param name="Revisions">Critique/revision rounds per prompt.</param>
/// <param name="ConcurrencyPerRole">Messages each role processes at once.</param>
public sealed record PipelineThroughputSettings(int Prompts, int Revisions, int ConcurrencyPerRole)
{
    /// <summary>The untimed warm-up run has this many prompts at most.</summary>
    public const int WarmupPrompts = 20;
}
