using Marten;

namespace CaiEvents.EventStore;

/// <summary>
/// Polls a run's read models until <see cref="Contracts.Events.RunCompleted"/> is on its stream. Each poll goes through
/// <see cref="Resilience"/>, so a PostgreSQL restart while waiting is ridden out rather than ending the wait.
/// </summary>
public static class RunWaiter
{
    public static async Task<RunState> WaitAsync(IDocumentStore store, Guid runId, TimeSpan timeout,
        Action<RunState, RunProgress>? onProgress, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pipeline = Resilience.Create();
        while (true)
        {
            var (run, progress) = await pipeline.ExecuteAsync(async token =>
            {
                await using var session = store.QuerySession();
                var run = await RunQueries.LoadRunAsync(session, runId, token) ?? throw new ArgumentException($"run {runId} does not exist");
                return (run, await RunQueries.CountByStatusAsync(session, runId, token));
            }, ct);
            onProgress?.Invoke(run, progress);
            if (run.Completed) return run;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"run {runId} did not complete within {timeout.TotalSeconds:0}s ({progress.Settled}/{run.ItemCount} items settled)");
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }
}
