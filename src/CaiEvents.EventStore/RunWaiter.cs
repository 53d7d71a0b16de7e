using Marten;

namespace CaiEvents.EventStore;

/// <summary>Polls a run's read models until <see cref="Contracts.Events.RunCompleted"/> is on its stream.</summary>
public static class RunWaiter
{
    public static async Task<RunState> WaitAsync(IDocumentStore store, Guid runId, TimeSpan timeout,
        Action<RunState, RunProgress>? onProgress, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var session = store.QuerySession())
            {
                var run = await RunQueries.LoadRunAsync(session, runId, ct) ?? throw new ArgumentException($"run {runId} does not exist");
                var progress = await RunQueries.CountByStatusAsync(session, runId, ct);
                onProgress?.Invoke(run, progress);
                if (run.Completed) return run;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"run {runId} did not complete within {timeout.TotalSeconds:0}s ({progress.Settled}/{run.ItemCount} items settled)");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }
}
