using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// A run's samples or comparisons, a bounded batch at a time in prompt order: each batch is one query on the run_id index for
/// the items after the last index of the batch before (the duplicated index column), so memory holds one batch however large
/// the run and however many other runs the store holds. PostgreSQL still visits the run's rows to pick each batch; a
/// (run_id, index) index would make a batch's cost independent of the run's size too. A <c>filter</c> (failed items, retried
/// items) is applied in the query, so a batch holds only matching items.
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
