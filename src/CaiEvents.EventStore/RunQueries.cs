using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using JasperFx.Events;
using Marten;

namespace CaiEvents.EventStore;

public sealed record RunProgress(int Submitted, int Responded, int Finalized, int Failed, int PairsPending = 0, int Labelled = 0, int PairsFailed = 0)
{
    /// <summary>Items (samples and comparisons) in a final state.</summary>
    public int Settled => Finalized + Failed + Labelled + PairsFailed;
}

/// <summary>Read-side queries over the inline read models and raw streams.</summary>
public static class RunQueries
{
    public static async Task<RunProgress> CountByStatusAsync(IQuerySession session, Guid runId, CancellationToken ct)
    {
        var statuses = await session.Query<SampleState>()
            .Where(x => x.RunId == runId)
            .Select(x => x.Status)
            .ToListAsync(ct);
        var pairs = await session.Query<ComparisonState>()
            .Where(x => x.RunId == runId)
            .Select(x => x.Status)
            .ToListAsync(ct);
        return new RunProgress(
            statuses.Count(s => s == SampleStatus.Submitted),
            statuses.Count(s => s == SampleStatus.Responded),
            statuses.Count(s => s == SampleStatus.Finalized),
            statuses.Count(s => s == SampleStatus.Failed),
            pairs.Count(s => s is ComparisonStatus.Submitted or ComparisonStatus.Generated),
            pairs.Count(s => s == ComparisonStatus.Labelled),
            pairs.Count(s => s == ComparisonStatus.Failed));
    }

    /// <summary>
    /// Whether some sample or comparison of the run is not settled yet: one round trip (a batch of two
    /// <c>exists</c> queries on the run_id index) instead of the status of every item.
    /// </summary>
    public static async Task<bool> AnyUnsettledAsync(IQuerySession session, Guid runId, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var samples = batch.Query<SampleState>().Where(x => x.RunId == runId && x.Status != SampleStatus.Finalized && x.Status != SampleStatus.Failed).Any();
        var pairs = batch.Query<ComparisonState>()
            .Where(x => x.RunId == runId && x.Status != ComparisonStatus.Labelled && x.Status != ComparisonStatus.Failed).Any();
        await batch.Execute(ct);
        return await samples || await pairs;
    }

    /// <summary>All comparisons of a run in prompt order.</summary>
    public static async Task<IReadOnlyList<ComparisonState>> ComparisonsAsync(IQuerySession session, Guid runId, CancellationToken ct) =>
        (await session.Query<ComparisonState>().Where(x => x.RunId == runId).OrderBy(x => x.Index).ToListAsync(ct)).ToList();

    public static Task<RunState?> LoadRunAsync(IQuerySession session, Guid runId, CancellationToken ct) =>
        session.LoadAsync<RunState>(runId, ct);

    /// <summary>All samples of a run in prompt order (finalised, failed or in flight).</summary>
    public static async Task<IReadOnlyList<SampleState>> SamplesAsync(IQuerySession session, Guid runId, CancellationToken ct) =>
        (await session.Query<SampleState>().Where(x => x.RunId == runId).OrderBy(x => x.Index).ToListAsync(ct)).ToList();

    public static Task<IReadOnlyList<IEvent>> SampleEventsAsync(IQuerySession session, Guid sampleId, CancellationToken ct) =>
        session.Events.FetchStreamAsync(sampleId, token: ct);
}
