using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using JasperFx.Events;
using Marten;

namespace CaiEvents.EventStore;

/// <summary>Items of a run per status. <paramref name="PairsPending"/> counts comparisons not yet labelled (submitted or with their
/// pair generated); <paramref name="PairsGenerated"/> is the part of them whose pair is generated.</summary>
public sealed record RunProgress(
    int Submitted, int Responded, int Finalized, int Failed, int PairsPending = 0, int Labelled = 0, int PairsFailed = 0, int PairsGenerated = 0)
{
    /// <summary>Items (samples and comparisons) in a final state.</summary>
    public int Settled => Finalized + Failed + Labelled + PairsFailed;

    /// <summary>Items whose streams are written; below the run's item count while a chunked submit is still writing.</summary>
    public int Written => Submitted + Responded + Finalized + Failed + PairsPending + Labelled + PairsFailed;
}

/// <summary>Read-side queries over the inline read models and raw streams.</summary>
public static class RunQueries
{
    /// <summary>
    /// Items of a run per status: seven <c>count(*)</c> queries in one round trip, each answered from the (run_id, status)
    /// index (<see cref="EventStoreSetup.SampleRunStatusIndex"/>); no item document is read or returned.
    /// </summary>
    public static async Task<RunProgress> CountByStatusAsync(IQuerySession session, Guid runId, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        Task<long> Samples(SampleStatus status) => batch.Query<SampleState>().Where(x => x.RunId == runId && x.Status == status).Count();
        Task<long> Pairs(ComparisonStatus status) => batch.Query<ComparisonState>().Where(x => x.RunId == runId && x.Status == status).Count();
        var counts = new[]
        {
            Samples(SampleStatus.Submitted), Samples(SampleStatus.Responded), Samples(SampleStatus.Finalized), Samples(SampleStatus.Failed),
            Pairs(ComparisonStatus.Submitted), Pairs(ComparisonStatus.Generated), Pairs(ComparisonStatus.Labelled), Pairs(ComparisonStatus.Failed),
        };
        await batch.Execute(ct);
        var n = (await Task.WhenAll(counts)).Select(c => (int)c).ToArray();
        return new RunProgress(n[0], n[1], n[2], n[3], n[4] + n[5], n[6], n[7], n[5]);
    }

    /// <summary>
    /// Whether some sample or comparison of the run is not settled yet: one round trip, a batch of two <c>exists</c>
    /// probes of the (run_id, status) index for an unsettled status, whatever the run's size.
    /// </summary>
    public static async Task<bool> AnyUnsettledAsync(IQuerySession session, Guid runId, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var samples = batch.Query<SampleState>()
            .Where(x => x.RunId == runId && (x.Status == SampleStatus.Submitted || x.Status == SampleStatus.Responded)).Any();
        var pairs = batch.Query<ComparisonState>()
            .Where(x => x.RunId == runId && (x.Status == ComparisonStatus.Submitted || x.Status == ComparisonStatus.Generated)).Any();
        await batch.Execute(ct);
        return await samples || await pairs;
    }

    /// <summary>
    /// Critiques and revisions of the run's samples in flight, summed by PostgreSQL over the (run_id, status) index's
    /// responded entries: one row back, and only unfinished samples read.
    /// </summary>
    public static async Task<RoundsInFlight> RoundsInFlightAsync(IQuerySession session, Guid runId, CancellationToken ct)
    {
        var table = $"{session.DocumentStore.Options.DatabaseSchemaName}.mt_doc_samplestate";
        var sql = $"""
                   select jsonb_build_object(
                       'Critiques', coalesce(sum(jsonb_array_length(d.data->'Rounds')), 0),
                       'Revisions', coalesce(sum((select count(*) from jsonb_array_elements(d.data->'Rounds') r where r->>'Revision' is not null)), 0))
                   from {table} d where d.run_id = ? and d.status = ?
                   """;
        return (await session.AdvancedSql.QueryAsync<RoundsInFlight>(sql, ct, runId, nameof(SampleStatus.Responded)))[0];
    }

    /// <summary>Failed samples of a run in prompt order, from the index of failed items (a run's failures, not its items).</summary>
    public static async Task<IReadOnlyList<SampleState>> FailedSamplesAsync(IQuerySession session, Guid runId, CancellationToken ct) =>
        (await session.Query<SampleState>().Where(x => x.RunId == runId && x.Status == SampleStatus.Failed).ToListAsync(ct))
            .OrderBy(x => x.Index).ToList();

    /// <summary>Failed comparisons of a run in prompt order, from the index of failed items.</summary>
    public static async Task<IReadOnlyList<ComparisonState>> FailedComparisonsAsync(IQuerySession session, Guid runId, CancellationToken ct) =>
        (await session.Query<ComparisonState>().Where(x => x.RunId == runId && x.Status == ComparisonStatus.Failed).ToListAsync(ct))
            .OrderBy(x => x.Index).ToList();

    /// <summary>
    /// Samples of prompts [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="limit"/>) of a run, by id
    /// (ids follow from the run id and the prompt index): one page costs the same in any run. Prompts not written yet are left out.
    /// </summary>
    public static async Task<IReadOnlyList<SampleState>> SamplesPageAsync(IQuerySession session, RunState run, int offset, int limit, CancellationToken ct) =>
        (await session.LoadManyAsync<SampleState>(ct, PageIndexes(run.SampleCount, offset, limit).Select(i => DeterministicIds.Sample(run.Id, i))))
            .OrderBy(x => x.Index).ToList();

    /// <summary>Comparisons of prompts [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="limit"/>) of a run, by id.</summary>
    public static async Task<IReadOnlyList<ComparisonState>> ComparisonsPageAsync(
        IQuerySession session, RunState run, int offset, int limit, CancellationToken ct) =>
        (await session.LoadManyAsync<ComparisonState>(ct, PageIndexes(run.PairCount, offset, limit).Select(i => DeterministicIds.Pair(run.Id, i))))
            .OrderBy(x => x.Index).ToList();

    private static IEnumerable<int> PageIndexes(int count, int offset, int limit) =>
        Enumerable.Range(Math.Clamp(offset, 0, count), Math.Clamp(Math.Min(limit, count - offset), 0, count));

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
