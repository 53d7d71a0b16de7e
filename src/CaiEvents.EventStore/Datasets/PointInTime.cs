using System.Runtime.CompilerServices;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using JasperFx.Events;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>The item streams of a run, as listed by its <see cref="RunStarted"/> event (empty lists where it records only their count).</summary>
public sealed record RunStreams(Guid RunId, long StartedAt, IReadOnlyList<Guid> SampleIds, IReadOnlyList<Guid> PairIds);

/// <summary>A point-in-time request that cannot be answered (beyond the store's end, before the run existed).</summary>
public sealed class AsOfException(string message) : Exception(message);

/// <summary>
/// The read models of a run as they stood at an event sequence: the run's item streams are read up to that
/// sequence, a batch of streams at a time, and folded with the very projections that keep the live read models (so the fold is the same code),
/// without touching the stored documents.
/// </summary>
public static class PointInTime
{
    /// <summary>Highest sequence number of an event in the store (0 when it is empty).</summary>
    public static async Task<long> LastSequenceAsync(IQuerySession session, CancellationToken ct)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        var max = await session.AdvancedSql.QueryAsync<long>($"select coalesce(max(seq_id), 0) from {schema}.mt_events", ct);
        return max.Count == 0 ? 0 : max[0];
    }

    /// <summary>Checks an --as-of value against the store; the message is the one line the CLI prints.</summary>
    public static async Task ValidateAsync(IQuerySession session, long asOf, CancellationToken ct)
    {
        if (asOf < 1) throw new AsOfException($"--as-of {asOf}: an event sequence starts at 1");
        var last = await LastSequenceAsync(session, ct);
        if (asOf > last) throw new AsOfException($"--as-of {asOf} is beyond the end of the event store (its last event is sequence {last})");
    }

    public static async Task<RunStreams> RunStreamsAsync(IDocumentStore store, Guid runId, long? asOf, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await RunStreamsAsync(session, runId, asOf, ct);
    }

    public static async Task<RunStreams> RunStreamsAsync(IQuerySession session, Guid runId, long? asOf, CancellationToken ct)
    {
        var first = (await session.Events.FetchStreamAsync(runId, version: 1, token: ct)).FirstOrDefault();
        if (first?.Data is not RunStarted started) throw new ArgumentException($"run {runId} does not exist");
        if (asOf is { } limit && first.Sequence > limit)
            throw new AsOfException($"--as-of {limit}: run {runId} did not exist yet (it started at sequence {first.Sequence})");
        return new RunStreams(runId, first.Sequence, RunItemIds.Samples(started), RunItemIds.Pairs(started));
    }

    /// <summary>
    /// The run's samples as they stood at <paramref name="asOf"/>, a batch at a time in prompt order. The run's items are found through
    /// their documents (the run_id index, in index order); an item written after <paramref name="asOf"/> has no event up to it and is left out.
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<SampleState>> SampleBatchesAsync(IQuerySession session, Guid runId, long asOf, int batchSize,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await RunStreamsAsync(session, runId, asOf, ct);
        var projection = new SampleStateProjection();
        await foreach (var batch in RunItemBatches.SamplesAsync(session, runId, batchSize, ct))
            yield return await FoldAsync<SampleState>(session, batch.Select(s => s.Id).ToArray(), asOf, (state, id, e) => projection.Evolve(state, id, e), ct);
    }

    /// <summary>
    /// The run's comparisons as they stood at <paramref name="asOf"/>, a batch at a time in prompt order (see <see cref="SampleBatchesAsync"/>).
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<ComparisonState>> ComparisonBatchesAsync(IQuerySession session, Guid runId, long asOf,
        int batchSize, [EnumeratorCancellation] CancellationToken ct)
    {
        await RunStreamsAsync(session, runId, asOf, ct);
        var projection = new ComparisonStateProjection();
        await foreach (var batch in RunItemBatches.ComparisonsAsync(session, runId, batchSize, ct))
            yield return await FoldAsync<ComparisonState>(session, batch.Select(c => c.Id).ToArray(), asOf,
                (state, id, e) => projection.Evolve(state, id, e), ct);
    }

    /// <summary>Folds the events up to <paramref name="asOf"/> of each stream, in the order of <paramref name="streamIds"/>.</summary>
    private static async Task<IReadOnlyList<T>> FoldAsync<T>(IQuerySession session, Guid[] streamIds, long asOf,
        Func<T?, Guid, IEvent, T?> evolve, CancellationToken ct) where T : class
    {
        var events = (await session.Events.QueryAllRawEvents()
                .Where(e => e.Sequence <= asOf && streamIds.Contains(e.StreamId))
                .ToListAsync(ct))
            .ToLookup(e => e.StreamId);
        var states = new List<T>(streamIds.Length);
        foreach (var id in streamIds)
        {
            T? state = null;
            foreach (var e in events[id].OrderBy(e => e.Version)) state = evolve(state, id, e);
            if (state is not null) states.Add(state);
        }
        return states;
    }
}
