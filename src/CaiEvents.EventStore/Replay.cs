using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Datasets;
using JasperFx.Events;
using Marten;
using Weasel.Core;

namespace CaiEvents.EventStore;

public sealed record ReplayResult(int Runs, int Samples, int Comparisons);

/// <summary>
/// Rebuilds the read models (per-run <see cref="RunState"/>, per-sample <see cref="SampleState"/>, per-label
/// <see cref="ComparisonState"/>) from the events alone. The whole store is rebuilt in one pass: its documents are
/// deleted, every event is read once in stream order (one streamed query over the (stream, version) index), each
/// stream is folded by the same projections that keep the read models inline, and the documents are written with
/// Marten's bulk insert (PostgreSQL's COPY) in batches, so memory holds one stream and one batch whatever the store's
/// size. One run goes through Marten's single-stream rebuild of each of its streams. Run it while no worker writes to
/// what it rebuilds: a write during a whole-store rebuild could be overwritten or lost.
/// </summary>
public static class Replay
{
    /// <summary>The projections `cai replay` rebuilds.</summary>
    public static readonly IReadOnlyList<Type> ReadModels = [typeof(RunState), typeof(SampleState), typeof(ComparisonState)];

    /// <summary>Documents written per bulk insert (one COPY and one transaction each).</summary>
    public const int BatchSize = 2_000;

    /// <param name="timeout">Time allowed for the whole rebuild.</param>
    public static async Task<ReplayResult> RebuildAllAsync(IDocumentStore store, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var token = limit.Token;
        foreach (var view in ReadModels) await store.Advanced.Clean.DeleteDocumentsByTypeAsync(view, token);

        var writer = new ReadModelWriter(store);
        await using (var session = store.QuerySession())
        {
            var fold = new StreamFold();
            var events = session.Events.QueryAllRawEvents().OrderBy(e => e.StreamId).ThenBy(e => e.Version).ToAsyncEnumerable(token);
            await foreach (var e in events)
            {
                if (fold.StreamId != e.StreamId) await writer.AddAsync(fold.Restart(e.StreamId), token);
                fold.Apply(e);
            }
            await writer.AddAsync(fold.Restart(Guid.Empty), token);
        }
        await writer.FlushAsync(token);
        return new ReplayResult(writer.Runs, writer.Samples, writer.Comparisons);
    }

    public static async Task<ReplayResult> RebuildRunAsync(IDocumentStore store, Guid runId, CancellationToken ct)
    {
        var streams = await PointInTime.RunStreamsAsync(store, runId, null, ct);
        await store.Advanced.RebuildSingleStreamAsync<RunState>(runId, ct);
        foreach (var id in streams.SampleIds) await store.Advanced.RebuildSingleStreamAsync<SampleState>(id, ct);
        foreach (var id in streams.PairIds) await store.Advanced.RebuildSingleStreamAsync<ComparisonState>(id, ct);
        return new ReplayResult(1, streams.SampleIds.Count, streams.PairIds.Count);
    }

    /// <summary>One stream's read models as its events are applied, by the inline projections' own fold functions.</summary>
    private sealed class StreamFold
    {
        private static readonly RunStateProjection RunProjection = new();
        private static readonly SampleStateProjection SampleProjection = new();
        private static readonly ComparisonStateProjection ComparisonProjection = new();

        private (RunState? Run, SampleState? Sample, ComparisonState? Comparison) _states;

        public Guid StreamId { get; private set; }

        public void Apply(IEvent e)
        {
            _states = (RunProjection.Evolve(_states.Run, StreamId, e), SampleProjection.Evolve(_states.Sample, StreamId, e),
                ComparisonProjection.Evolve(_states.Comparison, StreamId, e));
        }

        /// <summary>Hands back the finished stream's read models and starts folding another stream.</summary>
        public (RunState? Run, SampleState? Sample, ComparisonState? Comparison) Restart(Guid streamId)
        {
            var finished = _states;
            (_states, StreamId) = (default, streamId);
            return finished;
        }
    }

    /// <summary>Buffers rebuilt documents by type and bulk-inserts each buffer when it is full.</summary>
    private sealed class ReadModelWriter(IDocumentStore store)
    {
        private readonly List<RunState> _runs = [];
        private readonly List<SampleState> _samples = [];
        private readonly List<ComparisonState> _comparisons = [];

        public int Runs { get; private set; }

        public int Samples { get; private set; }

        public int Comparisons { get; private set; }

        public async Task AddAsync((RunState? Run, SampleState? Sample, ComparisonState? Comparison) states, CancellationToken ct)
        {
            if (states.Run is { } run) { _runs.Add(run); Runs++; }
            if (states.Sample is { } sample) { _samples.Add(sample); Samples++; }
            if (states.Comparison is { } comparison) { _comparisons.Add(comparison); Comparisons++; }
            if (_runs.Count + _samples.Count + _comparisons.Count >= BatchSize) await FlushAsync(ct);
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            await InsertAsync(_runs, ct);
            await InsertAsync(_samples, ct);
            await InsertAsync(_comparisons, ct);
        }

        private async Task InsertAsync<T>(List<T> documents, CancellationToken ct) where T : notnull
        {
            if (documents.Count == 0) return;
            await store.BulkInsertAsync(documents, BulkInsertMode.InsertsOnly, BatchSize, ct);
            documents.Clear();
        }
    }
}
