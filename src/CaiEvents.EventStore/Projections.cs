using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CaiEvents.EventStore;

// Explicit Evolve overrides rather than Marten's conventional Apply methods: the conventions are
// dispatched by a source generator that only runs in assemblies referencing Marten, and the sample
// state lives in the Marten-free domain project, where its fold functions are plain pure functions.

/// <summary>Per-sample read model and write-side state, kept inline with the sample stream.</summary>
public sealed class SampleStateProjection : SingleStreamProjection<SampleState, Guid>
{
    public SampleStateProjection() => ProjectedEvents.Include(this, typeof(PromptSubmitted), typeof(SampleState));
    public override SampleState? Evolve(SampleState? snapshot, Guid id, IEvent e) => e.Data switch
    {
        PromptSubmitted submitted => SampleState.Start(submitted),
        _ => snapshot?.Evolve(e.Data),
    };
}

/// <summary>Per-comparison read model and write-side state of the RL labelling stage, kept inline with its stream.</summary>
public sealed class ComparisonStateProjection : SingleStreamProjection<ComparisonState, Guid>
{
    public ComparisonStateProjection() => ProjectedEvents.Include(this, typeof(ComparisonSubmitted), typeof(ComparisonState));
    public override ComparisonState? Evolve(ComparisonState? snapshot, Guid id, IEvent e) => e.Data switch
    {
        ComparisonSubmitted submitted => ComparisonState.Start(submitted),
        _ => snapshot?.Evolve(e.Data),
    };
}

/// <summary>Per-run read model (configuration, constitution, completion), kept inline with the run stream.</summary>
public sealed class RunStateProjection : SingleStreamProjection<RunState, Guid>
{
    public RunStateProjection() => ProjectedEvents.Include(this, typeof(RunStarted), typeof(RunState));
    public override RunState? Evolve(RunState? snapshot, Guid id, IEvent e) => e.Data switch
    {
        RunStarted started => RunState.Start(started),
        RunCompleted completed => snapshot?.With(completed),
        RunRetryRequested retry => snapshot?.With(retry),
        _ => snapshot,
    };
}
