using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Datasets;
using Marten;

namespace CaiEvents.EventStore;

public sealed record ReplayResult(int Runs, int Samples, int Comparisons);

/// <summary>
/// Rebuilds the read models (per-run <see cref="RunState"/>, per-sample <see cref="SampleState"/>, per-label
/// <see cref="ComparisonState"/>) from the events alone. The whole store goes through Marten's projection rebuild
/// (the projection daemon clears each projection's documents and replays every event into it); one run goes through
/// Marten's single-stream rebuild of each of its streams. Run it while no worker writes to what it rebuilds: the
/// projections are inline, so a write during a whole-store rebuild could be overwritten by the replay.
/// </summary>
public static class Replay
{
    /// <summary>The projections `cai replay` rebuilds, in the order it rebuilds them.</summary>
    public static readonly IReadOnlyList<Type> ReadModels = [typeof(RunState), typeof(SampleState), typeof(ComparisonState)];

    public static async Task<ReplayResult> RebuildAllAsync(IDocumentStore store, TimeSpan shardTimeout, CancellationToken ct)
    {
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            foreach (var view in ReadModels) await daemon.RebuildProjectionAsync(ProjectionNameOf(view), shardTimeout, ct);
        }
        await using var session = store.QuerySession();
        return new ReplayResult(
            await session.Query<RunState>().CountAsync(ct),
            await session.Query<SampleState>().CountAsync(ct),
            await session.Query<ComparisonState>().CountAsync(ct));
    }

    public static async Task<ReplayResult> RebuildRunAsync(IDocumentStore store, Guid runId, CancellationToken ct)
    {
        var streams = await PointInTime.RunStreamsAsync(store, runId, null, ct);
        await store.Advanced.RebuildSingleStreamAsync<RunState>(runId, ct);
        foreach (var id in streams.SampleIds) await store.Advanced.RebuildSingleStreamAsync<SampleState>(id, ct);
        foreach (var id in streams.PairIds) await store.Advanced.RebuildSingleStreamAsync<ComparisonState>(id, ct);
        return new ReplayResult(1, streams.SampleIds.Count, streams.PairIds.Count);
    }

    /// <summary>Marten names a projection after its view type unless told otherwise.</summary>
    private static string ProjectionNameOf(Type view) => view.Name;
}
