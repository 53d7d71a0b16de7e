using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;

namespace CaiEvents.EventStore;

/// <summary>State of one run stream (inline snapshot): its frozen configuration and whether it completed.</summary>
public sealed record RunState
{
    public Guid Id { get; init; }
    public RunConfiguration Configuration { get; init; } = null!;
    public ConstitutionSnapshot Constitution { get; init; } = null!;
    public int SampleCount { get; init; }
    /// <summary>Comparison (pair) streams of the RL labelling stage; 0 when the run has none.</summary>
    public int PairCount { get; init; }
    public int ItemCount => SampleCount + PairCount;
    /// <summary>Prompts of the run: each has a sample (SL stage), a comparison (RL labelling stage), or both.</summary>
    public int PromptCount => Math.Max(SampleCount, PairCount);
    public DateTimeOffset StartedAt { get; init; }
    public bool Completed { get; init; }
    public int Finalized { get; init; }
    public int Failed { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>How many times failed items of this run were sent back into the pipeline (`cai retry-failed`).</summary>
    public int RetryRequests { get; init; }

    public static RunState Start(RunStarted e) => new()
    {
        Id = e.RunId,
        Configuration = e.Configuration,
        Constitution = e.Constitution,
        SampleCount = e.SampleCount,
        PairCount = e.ComparisonCount(),
        StartedAt = e.StartedAt,
    };

    public RunState With(RunCompleted e) => this with
    {
        Completed = true,
        Finalized = e.Finalized,
        Failed = e.Failed,
        CompletedAt = e.CompletedAt,
    };

    /// <summary>Items went back into the pipeline: the run is open again until they settle.</summary>
    public RunState With(RunRetryRequested e) => this with { Completed = false, CompletedAt = null, RetryRequests = RetryRequests + 1 };
}
