using CaiEvents.Application.Runs;
using CaiEvents.EventStore;
using Marten;
using Spectre.Console;

namespace CaiEvents.Cli;

/// <summary>Shows a run being followed: a progress bar on an interactive terminal, or a line every few seconds otherwise.</summary>
public static class Progress
{
    public static Task<RunState> WaitAsync(IDocumentStore store, Guid runId, TimeSpan timeout, CancellationToken ct) =>
        WatchRunAsync(onProgress => RunFollower.WaitAsync(store, runId, timeout, onProgress, ct));

    /// <summary>Runs <paramref name="follow"/> with a callback that shows each poll of the run.</summary>
    public static async Task<RunState> WatchRunAsync(Func<Action<RunState, RunProgress>, Task<RunState>> follow)
    {
        if (Console.IsErrorRedirected)
        {
            var last = DateTime.MinValue;
            return await follow((run, p) =>
            {
                if (DateTime.UtcNow - last < TimeSpan.FromSeconds(5) && !run.Completed) return;
                last = DateTime.UtcNow;
                Console.Error.WriteLine(
                    $"run {run.Id}: {p.Settled}/{run.ItemCount} settled ({p.Finalized} finalised, {p.Labelled} labelled, {p.Failed + p.PairsFailed} failed)");
            });
        }

        RunState? result = null;
        await Cli.Err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("samples settled");
                result = await follow((run, p) =>
                {
                    task.MaxValue = Math.Max(1, run.ItemCount);
                    task.Value = p.Settled;
                    task.Description = $"{p.Finalized} finalised, {p.Labelled} labelled, {p.Failed + p.PairsFailed} failed / {run.ItemCount}";
                });
            });
        return result!;
    }
}
