using System.Runtime.CompilerServices;
using CaiEvents.Domain.Sl;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// The SL dataset of a run: one row per finalised sample, in prompt order, as JSON Lines (<see cref="SlJsonlFormat"/>) or
/// Parquet (<see cref="SlTextRow"/>, <see cref="SlConversationalRow"/>). This class reads, a batch of samples at a time
/// (<see cref="RunItemBatches"/>); the formats live in those types.
/// </summary>
public static class SlDatasetExport
{
    /// <summary>The finalised samples, a batch at a time in prompt order (a batch may hold fewer than <paramref name="batchSize"/>, never none).</summary>
    /// <param name="asOf">Event sequence to export the dataset as of (folded from the events); null = now, from the read models.</param>
    public static async IAsyncEnumerable<IReadOnlyList<SampleState>> BatchesAsync(IQuerySession session, Guid runId, long? asOf, int batchSize,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var batches = asOf is { } limit
            ? PointInTime.SampleBatchesAsync(session, runId, limit, batchSize, ct)
            : RunItemBatches.SamplesAsync(session, runId, batchSize, ct);
        await foreach (var batch in batches)
        {
            var finalized = batch.Where(s => s.Status == SampleStatus.Finalized).ToList();
            if (finalized.Count > 0) yield return finalized;
        }
    }

    /// <summary>Every finalised sample in memory at once: for small runs and tests; exports stream through <see cref="BatchesAsync"/>.</summary>
    public static async Task<IReadOnlyList<SampleState>> LoadAsync(IQuerySession session, Guid runId, CancellationToken ct, long? asOf = null)
    {
        var samples = new List<SampleState>();
        await foreach (var batch in BatchesAsync(session, runId, asOf, RunItemBatches.DefaultBatchSize, ct)) samples.AddRange(batch);
        return samples;
    }

    /// <summary>The text-format JSON lines to a stream.</summary>
    public static async Task<int> WriteAsync(IQuerySession session, Guid runId, Stream output, CancellationToken ct, long? asOf = null)
    {
        var count = 0;
        await foreach (var batch in BatchesAsync(session, runId, asOf, RunItemBatches.DefaultBatchSize, ct))
        {
            foreach (var sample in batch) SlJsonlFormat.WriteLine(sample, output, DatasetFormat.Text);
            count += batch.Count;
        }
        await output.FlushAsync(ct);
        return count;
    }

    public static void WriteLine(SampleState sample, Stream output) => SlJsonlFormat.WriteLine(sample, output, DatasetFormat.Text);

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it, so a failed export leaves nothing half-written.</summary>
    public static Task<int> WriteFileAsync(IQuerySession session, Guid runId, string path, CancellationToken ct, long? asOf = null,
        DatasetExportOptions? options = null)
    {
        options ??= DatasetExportOptions.Default;
        return DatasetFile.WriteAsync(path, BatchesAsync(session, runId, asOf, options.BatchSize, ct), options, SlJsonlFormat.WriteLine, SlTextRow.From,
            SlConversationalRow.From, ct);
    }
}
