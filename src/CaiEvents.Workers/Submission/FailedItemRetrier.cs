using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using Marten;
using MassTransit;

namespace CaiEvents.Workers.Submission;

/// <summary>What <see cref="FailedItemRetrier.RetryAsync"/> did.</summary>
/// <param name="Retried">Failed items sent back into the pipeline by this call.</param>
/// <param name="Sent">Commands sent: the next step of every retried item that is not settled yet.</param>
public sealed record RetryOutcome(int Retried, int Sent);

/// <summary>
/// <c>cai retry-failed RUN</c>: every failed sample gets <see cref="SampleRetryRequested"/> and every failed comparison
/// <see cref="ComparisonRetryRequested"/>, which return it to its state before the failed step; the run stream gets
/// <see cref="RunRetryRequested"/> (so it completes again once they settle); a batch of items per transaction, with expected
/// versions (a run with fewer failed items than the batch size is retried in one). Then the next command of each retried, still
/// unsettled item is sent. Idempotent: a second call finds
/// nothing failed and appends nothing, and only re-sends the commands of retried items still in flight (which also
/// heals a crash between the commit and the sends); consumers ignore duplicates.
/// </summary>
public sealed class FailedItemRetrier(IDocumentStore store, ISendEndpointProvider bus, TimeProvider clock,
    int batchSize = RunItemBatches.DefaultBatchSize)
{
    public async Task<RetryOutcome> RetryAsync(Guid runId, string requestedBy, CancellationToken ct)
    {
        var retried = 0;
        // A batch of failed items per transaction, until none is left failed; an interrupted call leaves whole batches retried
        // and the rest failed, which the next call picks up.
        while (true)
        {
            var appended = await Resilience.Create().ExecuteAsync(async token =>
            {
                // Two racing calls (or a completion racing this one) meet Marten's version check: look again.
                for (var attempt = 0; ; attempt++)
                {
                    try { return await AppendRetriesAsync(runId, requestedBy, token); }
                    catch (JasperFx.ConcurrencyException) when (attempt < 5) { }
                }
            }, ct);
            retried += appended;
            if (appended < batchSize) break;
        }
        var sent = await NextCommandSender.SendAsync(store, bus, runId, retriedOnly: true, batchSize, ct);
        return new RetryOutcome(retried, sent);
    }

    /// <summary>Returns the next batch of failed items to their state before the failed step, in one transaction; 0 when none is failed.</summary>
    private async Task<int> AppendRetriesAsync(Guid runId, string requestedBy, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var runStream = await session.Events.FetchForWriting<RunState>(runId, ct);
        var run = runStream.Aggregate ?? throw new ArgumentException($"run {runId} does not exist");
        var now = clock.GetUtcNow();
        var items = new List<Guid>();

        await foreach (var batch in RunItemBatches.SamplesAsync(session, runId, batchSize, ct, s => s.Status == SampleStatus.Failed))
        {
            if (items.Count == batchSize) break;
            foreach (var failed in batch)
            {
                if (items.Count == batchSize) break;
                var stream = await session.Events.FetchForWriting<SampleState>(failed.Id, ct);
                var state = stream.Aggregate!;
                if (state.Status != SampleStatus.Failed) continue;
                var attempt = state.Retries + 1;
                stream.AppendOne(new SampleRetryRequested(state.Id, state.FailedStep ?? "unknown", state.FailureType ?? "", state.FailureMessage ?? "", attempt,
                    Provenance(run, state.Id, $"retry:{attempt}", state.FailedStep, requestedBy, run.Configuration.PromptTemplateVersion, now)));
                items.Add(state.Id);
            }
        }
        if (items.Count < batchSize)
            await foreach (var batch in RunItemBatches.ComparisonsAsync(session, runId, batchSize, ct, c => c.Status == ComparisonStatus.Failed))
            {
                if (items.Count == batchSize) break;
                foreach (var failed in batch)
                {
                    if (items.Count == batchSize) break;
                    var stream = await session.Events.FetchForWriting<ComparisonState>(failed.Id, ct);
                    var state = stream.Aggregate!;
                    if (state.Status != ComparisonStatus.Failed) continue;
                    var attempt = state.Retries + 1;
                    stream.AppendOne(new ComparisonRetryRequested(state.Id, state.FailedStep ?? "unknown", state.FailureType ?? "", state.FailureMessage ?? "",
                        attempt, Provenance(run, state.Id, $"retry:{attempt}", state.FailedStep, requestedBy,
                            run.Configuration.Feedback?.FeedbackTemplateVersion, now)));
                    items.Add(state.Id);
                }
            }
        if (items.Count == 0) return 0;
        runStream.AppendOne(new RunRetryRequested(runId, items, run.Completed, requestedBy, now));
        await session.SaveChangesAsync(ct);
        return items.Count;
    }

    /// <summary>The retry's provenance: caused by the failure event it answers (whose step id is derived from the failed step).</summary>
    private static Provenance Provenance(RunState run, Guid itemId, string step, string? failedStep, string requestedBy, string? templateVersion,
        DateTimeOffset now) =>
        new(run.Id, itemId, DeterministicIds.Step(itemId, step),
            failedStep is null ? run.Id : DeterministicIds.Step(itemId, StepNames.Failed(failedStep)), run.Id, WorkerRoles.Submitter, requestedBy, null, null,
            run.Constitution.Id, run.Constitution.ContentHash, null, templateVersion ?? run.Configuration.PromptTemplateVersion, null,
            run.Configuration.Seed, now);
}
