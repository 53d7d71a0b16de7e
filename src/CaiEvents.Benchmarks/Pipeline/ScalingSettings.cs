using CaiEvents.Models.Synthetic;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>What <see cref="ScalingBenchmark"/> measures: one timed SL run per Critic process count in <paramref name="WorkerCounts"/>.</summary>
/// <param name="Prompts">Prompts per timed run.</param>
/// <param name="Revisions">Critique/revision rounds per prompt.</param>
/// <param name="LatencyMs">The Critic model's latency per call (<c>builtin:echo?latency-ms=N</c>).</param>
/// <param name="WorkerCounts">Critic worker process counts to measure, in order; the first is the speed-up's baseline.</param>
/// <param name="HostConcurrency">Concurrency (and prefetch) of the Generator and the Reviser in the benchmark's own process.</param>
/// <param name="WarmupPromptsPerProcess">Untimed warm-up prompts per Critic process before each timed run.</param>
public sealed record ScalingSettings(
    int Prompts, int Revisions, int LatencyMs, IReadOnlyList<int> WorkerCounts, int HostConcurrency, int WarmupPromptsPerProcess)
{
    /// <summary>Each Critic process handles one message at a time: the processes are what scales.</summary>
    public const int CriticConcurrencyPerProcess = 1;

    public string CriticModel => $"{EchoModel.ModelId}?latency-ms={LatencyMs}";
}
