using CaiEvents.Contracts.Events;
using JasperFx;
using Marten;

namespace CaiEvents.EventStore;

/// <summary>
/// Appends <see cref="RunCompleted"/> once every item of a run is settled. Called after any step that
/// settles an item (and again on redelivery), so the last item to settle always completes the run.
/// Safe under concurrency: the run stream is fetched for writing, so two racing callers cannot both append.
/// A run whose chunked submit is still writing cannot complete: its item count is fixed by RunStarted and
/// an item not written yet is not settled.
/// <para>Cost per call, whatever the run's size: one probe of the (run_id, status) index for an unsettled item; only a
/// caller that finds none goes on to the per-status counts (index-only) and the run stream.</para>
/// </summary>
public static class RunCompletion
{
    public static async Task<bool> TryCompleteAsync(IDocumentStore store, Guid runId, string completedBy, TimeProvider clock, CancellationToken ct)
    {
        // Every settled sample calls this, and all but the last find work left: answer them with one cheap read, without
        // fetching the run stream for writing or the status of every item. Each caller reads after its own item's commit,
        // so the caller that reads last sees every item settled and goes on to the full check below.
        await using (var query = store.QuerySession())
            if (await RunQueries.AnyUnsettledAsync(query, runId, ct)) return false;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<RunState>(runId, ct);
            var run = stream.Aggregate ?? throw new InvalidOperationException($"run {runId} has no RunStarted event");
            if (run.Completed) return false;

            var progress = await RunQueries.CountByStatusAsync(session, runId, ct);
            if (progress.Settled < run.ItemCount) return false;

            stream.AppendOne(new RunCompleted(
                runId, progress.Finalized + progress.Labelled, progress.Failed + progress.PairsFailed, completedBy, clock.GetUtcNow()));
            try
            {
                await session.SaveChangesAsync(ct);
                return true;
            }
            catch (ConcurrencyException)
            {
                // Another worker completed it (or appended) at the same moment: look again.
            }
        }
        return false;
    }
}
