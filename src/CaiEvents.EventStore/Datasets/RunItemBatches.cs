using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// A run's samples or comparisons, a bounded batch at a time in prompt order: each batch is one range scan of the
/// (run_id, index) index after the last index of the batch before, so memory and the cost of a batch stay the same
/// however large the run and however many other runs the store holds. A <c>filter</c> (failed items, retried items) is applied
/// in the query, so a batch holds only matching items.
/// </summary>
public static class RunItemBatches
{
    /// <summary>Items read (and held) at once by the exports, dataset snapshots, resume and retry-failed.</summary>
    public const int DefaultBatchSize = 1000;

    public static async IAsyncEnumerable<IReadOnlyList<SampleState>> SamplesAsync(IQuerySession session, Guid runId, int batchSize,
        [EnumeratorCancellation] CancellationToken ct, Expression<Func<SampleState, bool>>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var after = -1;
        while (true)
        {
            var query = session.Query<SampleState>().Where(x => x.RunId == runId && x.Index > after);
            if (filter is not null) query = query.Where(filter);
            var batch = await query.OrderBy(x => x.Index).Take(batchSize).ToListAsync(ct);
            if (batch.Count > 0) yield return batch;
            if (batch.Count < batchSize) yield break;
            after = batch[^1].Index;
        }
    }

    public static async IAsyncEnumerable<IReadOnlyList<ComparisonState>> ComparisonsAsync(IQuerySession session, Guid runId, int batchSize,
        [EnumeratorCancellation] CancellationToken ct, Expression<Func<ComparisonState, bool>>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var after = -1;
        while (true)
        {
            var query = session.Query<ComparisonState>().Where(x => x.RunId == runId && x.Index > after);
            if (filter is not null) query = query.Where(filter);
            var batch = await query.OrderBy(x => x.Index).Take(batchSize).ToListAsync(ct);
            if (batch.Count > 0) yield return batch;
            if (batch.Count < batchSize) yield break;
            after = batch[^1].Index;
        }
    }
}
