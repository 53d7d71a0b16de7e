using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using JasperFx.Events;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>The item streams of a run, as listed by its <see cref="RunStarted"/> event.</summary>
public sealed record RunStreams(Guid RunId, long StartedAt, IReadOnlyList<Guid> SampleIds, IReadOnlyList<Guid> PairIds);

/// <summary>A point-in-time request that cannot be answered (beyond the store's end, before the run existed).</summary>
public sealed class AsOfException(string message) : Exception(message);

/// <summary>
/// The read models of a run as they stood at an event sequence: the run's item streams are read up to that
/// sequence and folded with the very projections that keep the live read models (so the fold is the same code),
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

    public static async Task<IReadOnlyList<SampleState>> SamplesAsync(IQuerySession session, Guid runId, long asOf, CancellationToken ct)
    {
        var streams = await RunStreamsAsync(session, runId, asOf, ct);
        var projection = new SampleStateProjection();
        return (await FoldAsync<SampleState>(session, streams.SampleIds, asOf, (state, id, e) => projection.Evolve(state, id, e), ct))
            .OrderBy(s => s.Index).ToList();
    }

    public static async Task<IReadOnlyList<ComparisonState>> ComparisonsAsync(IQuerySession session, Guid runId, long asOf, CancellationToken ct)
    {
        var streams = await RunStreamsAsync(session, runId, asOf, ct);
        var projection = new ComparisonStateProjection();
        return (await FoldAsync<ComparisonState>(session, streams.PairIds, asOf, (state, id, e) => projection.Evolve(state, id, e), ct))
            .OrderBy(s => s.Index).ToList();
    }

    private static async Task<IReadOnlyList<T>> FoldAsync<T>(IQuerySession session, IReadOnlyList<Guid> streamIds, long asOf,
        Func<T?, Guid, IEvent, T?> evolve, CancellationToken ct) where T : class
    {
        var states = new List<T>();
        // In chunks, so the id list of a large run stays a reasonable query parameter.
        foreach (var chunk in streamIds.Chunk(500))
        {
            var ids = chunk.ToArray();
            var events = await session.Events.QueryAllRawEvents()
                .Where(e => e.Sequence <= asOf && ids.Contains(e.StreamId))
                .OrderBy(e => e.Sequence)
                .ToListAsync(ct);
            foreach (var stream in events.GroupBy(e => e.StreamId))
            {
                T? state = null;
                foreach (var e in stream.OrderBy(e => e.Version)) state = evolve(state, stream.Key, e);
                if (state is not null) states.Add(state);
            }
        }
        return states;
    }
}
