using CaiEvents.Application.Jobs;
using CaiEvents.EventStore;
using Marten;

namespace CaiEvents.Application.Runs;

/// <summary>
/// Waits until <see cref="Contracts.Events.RunCompleted"/> is on a run's stream, through <see cref="StreamFollower"/>. Each poll goes
/// through <see cref="Resilience"/>, so a PostgreSQL restart while waiting is ridden out rather than ending the wait. A poll
/// reads the run document and the per-status counts from the (run_id, status) index, never the run's items.
/// </summary>
public static class RunFollower
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static Task<RunState> WaitAsync(IDocumentStore store, Guid runId, TimeSpan timeout, Action<RunState, RunProgress>? onProgress, CancellationToken ct)
    {
        var pipeline = Resilience.Create();
        return StreamFollower.FollowAsync<(RunState Run, RunProgress Progress), RunState>(
            async token => await pipeline.ExecuteAsync(async t =>
            {
                await using var session = store.QuerySession();
                var run = await RunQueries.LoadRunAsync(session, runId, t) ?? throw new ArgumentException($"run {runId} does not exist");
                return (run, await RunQueries.CountByStatusAsync(session, runId, t));
            }, token),
            snapshot =>
            {
                onProgress?.Invoke(snapshot.Run, snapshot.Progress);
                return snapshot.Run.Completed ? snapshot.Run : null;
            },
            new FollowTiming(PollInterval, timeout),
            last => $"run {runId} did not complete within {timeout.TotalSeconds:0}s ({last.Progress.Settled}/{last.Run.ItemCount} items settled)",
            ct);
    }
}
