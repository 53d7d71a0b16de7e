using CaiEvents.EventStore;
using Marten;
using Spectre.Console;

namespace CaiEvents.Cli;

/// <summary>Waits for a run with a progress bar on an interactive terminal, or a line every few seconds otherwise.</summary>
public static class Progress
{
    public static async Task<RunState> WaitAsync(IDocumentStore store, Guid runId, TimeSpan timeout, CancellationToken ct)
    {
        if (Console.IsErrorRedirected)
        {
            var last = DateTime.MinValue;
            return await RunWaiter.WaitAsync(store, runId, timeout, (run, p) =>
            {
                if (DateTime.UtcNow - last < TimeSpan.FromSeconds(5) && !run.Completed) return;
                last = DateTime.UtcNow;
                Console.Error.WriteLine($"run {runId}: {p.Settled}/{run.ItemCount} settled ({p.Finalized} finalised, {p.Labelled} labelled, {p.Failed + p.PairsFailed} failed)");
            }, ct);
        }

        RunState? result = null;
        await Cli.Err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("samples settled");
                result = await RunWaiter.WaitAsync(store, runId, timeout, (run, p) =>
                {
                    task.MaxValue = Math.Max(1, run.ItemCount);
                    task.Value = p.Settled;
                    task.Description = $"{p.Finalized} finalised, {p.Labelled} labelled, {p.Failed + p.PairsFailed} failed / {run.ItemCount}";
                }, ct);
            });
        return result!;
    }
}
