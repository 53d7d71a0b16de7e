using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
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
/// <see cref="RunRetryRequested"/> (so it completes again once they settle); all in one transaction with expected
/// versions. Then the next command of each retried, still unsettled item is sent. Idempotent: a second call finds
/// nothing failed and appends nothing, and only re-sends the commands of retried items still in flight (which also
/// heals a crash between the commit and the sends); consumers ignore duplicates.
/// </summary>
public sealed class FailedItemRetrier(IDocumentStore store, ISendEndpointProvider bus, TimeProvider clock)
{
    public async Task<RetryOutcome> RetryAsync(Guid runId, string requestedBy, CancellationToken ct)
    {
        var retried = await Resilience.Create().ExecuteAsync(async token =>
        {
            // Two racing calls (or a completion racing this one) meet Marten's version check: look again.
            for (var attempt = 0; ; attempt++)
            {
                try { return await AppendRetriesAsync(runId, requestedBy, token); }
                catch (JasperFx.ConcurrencyException) when (attempt < 5) { }
            }
        }, ct);

        var next = await Resilience.Create().ExecuteAsync(async token =>
        {
            await using var session = store.QuerySession();
            var run = await RunQueries.LoadRunAsync(session, runId, token) ?? throw new ArgumentException($"run {runId} does not exist");
            var samples = (await RunQueries.SamplesAsync(session, runId, token)).Where(s => s.Retries > 0)
                .Select(s => SlDecider.NextCommand(s, run.Configuration.Revisions));
            var comparisons = (await RunQueries.ComparisonsAsync(session, runId, token)).Where(c => c.Retries > 0).Select(RlDecider.NextCommand);
            return samples.Concat(comparisons).OfType<object>().ToList();
        }, ct);
        await RunSubmitter.SendAllAsync(bus, next, ct);
        return new RetryOutcome(retried, next.Count);
    }

    private async Task<int> AppendRetriesAsync(Guid runId, string requestedBy, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var runStream = await session.Events.FetchForWriting<RunState>(runId, ct);
        var run = runStream.Aggregate ?? throw new ArgumentException($"run {runId} does not exist");
        var now = clock.GetUtcNow();
        var items = new List<Guid>();

        foreach (var failed in (await RunQueries.SamplesAsync(session, runId, ct)).Where(s => s.Status == SampleStatus.Failed))
        {
            var stream = await session.Events.FetchForWriting<SampleState>(failed.Id, ct);
            var state = stream.Aggregate!;
            if (state.Status != SampleStatus.Failed) continue;
            var attempt = state.Retries + 1;
            stream.AppendOne(new SampleRetryRequested(state.Id, state.FailedStep ?? "unknown", state.FailureType ?? "", state.FailureMessage ?? "", attempt,
                Provenance(run, state.Id, $"retry:{attempt}", state.FailedStep, requestedBy, run.Configuration.PromptTemplateVersion, now)));
            items.Add(state.Id);
        }
        foreach (var failed in (await RunQueries.ComparisonsAsync(session, runId, ct)).Where(c => c.Status == ComparisonStatus.Failed))
        {
            var stream = await session.Events.FetchForWriting<ComparisonState>(failed.Id, ct);
            var state = stream.Aggregate!;
            if (state.Status != ComparisonStatus.Failed) continue;
            var attempt = state.Retries + 1;
            stream.AppendOne(new ComparisonRetryRequested(state.Id, state.FailedStep ?? "unknown", state.FailureType ?? "", state.FailureMessage ?? "", attempt,
                Provenance(run, state.Id, $"retry:{attempt}", state.FailedStep, requestedBy, run.Configuration.Feedback?.FeedbackTemplateVersion, now)));
            items.Add(state.Id);
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
