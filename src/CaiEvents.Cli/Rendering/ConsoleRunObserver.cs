using CaiEvents.Application.Demo;
using CaiEvents.Application.Runs;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;

namespace CaiEvents.Cli.Rendering;

/// <summary>Starting and following a run on stderr.</summary>
internal sealed class ConsoleRunObserver : IRunObserver
{
    public IDemoModelTrainingObserver DemoModel { get; } = new ConsoleDemoModelTrainingObserver();

    public void PolicyResolved(Guid sftRunId, PolicyCheckpointed checkpoint) =>
        Console.Error.WriteLine($"Policy: SL-CAI checkpoint {checkpoint.Path} (sha256 {checkpoint.Sha256[..12]}…) of run {sftRunId}");

    public void Started(Guid runId, RunRequest request, TransportKind transport)
    {
        var stages = request.RunSlStage ? $"SL with {request.Revisions} revision round(s)" : "no SL stage";
        var labels = request.Feedback is { } f ? $", RL labels ({f.Mode}, {f.PrinciplesPerLabel} principle(s), both orders)" : "";
        Console.Error.WriteLine($"Run {runId}: {request.Prompts.Count} prompts, {stages}{labels}, transport {transport}.");
    }

    public Task<RunState> WatchAsync(Func<Action<RunState, RunProgress>, Task<RunState>> follow) => Progress.WatchRunAsync(follow);
}
