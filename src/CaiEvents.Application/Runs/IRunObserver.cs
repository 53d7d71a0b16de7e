using CaiEvents.Application.Demo;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;

namespace CaiEvents.Application.Runs;

/// <summary>What a caller sees of starting and following a run.</summary>
public interface IRunObserver
{
    IDemoModelTrainingObserver DemoModel { get; }

    /// <summary><c>--policy sft:RUN</c> was resolved to the final checkpoint of <paramref name="sftRunId"/>'s latest SL-CAI job.</summary>
    void PolicyResolved(Guid sftRunId, PolicyCheckpointed checkpoint);

    /// <summary>The run is written and its first commands sent to roles hosted in this process.</summary>
    void Started(Guid runId, RunRequest request, TransportKind transport);

    /// <summary>Runs <paramref name="follow"/>, handing it the callback that shows each progress poll.</summary>
    Task<RunState> WatchAsync(Func<Action<RunState, RunProgress>, Task<RunState>> follow);
}
