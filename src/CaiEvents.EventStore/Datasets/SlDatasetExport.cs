using CaiEvents.Domain.Sl;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// The SL dataset of a run: one row per finalised sample, in prompt order, as JSON Lines (<see cref="SlJsonlFormat"/>) or
/// Parquet (<see cref="SlTextRow"/>, <see cref="SlConversationalRow"/>). This class reads; the formats live in those types.
/// </summary>
public static class SlDatasetExport
{
    /// <param name="asOf">Event sequence to export the dataset as of (folded from the events); null = now, from the read models.</param>
    public static async Task<IReadOnlyList<SampleState>> LoadAsync(IQuerySession session, Guid runId, CancellationToken ct, long? asOf = null)
    {
        var samples = asOf is { } limit ? await PointInTime.SamplesAsync(session, runId, limit, ct) : await RunQueries.SamplesAsync(session, runId, ct);
        return samples.Where(s => s.Status == SampleStatus.Finalized).ToList();
    }

    /// <summary>The text-format JSON lines to a stream.</summary>
    public static async Task<int> WriteAsync(IQuerySession session, Guid runId, Stream output, CancellationToken ct, long? asOf = null)
    {
        var samples = await LoadAsync(session, runId, ct, asOf);
        foreach (var sample in samples) SlJsonlFormat.WriteLine(sample, output, DatasetFormat.Text);
        await output.FlushAsync(ct);
        return samples.Count;
    }

    public static void WriteLine(SampleState sample, Stream output) => SlJsonlFormat.WriteLine(sample, output, DatasetFormat.Text);

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it, so a failed export leaves nothing half-written.</summary>
    public static async Task<int> WriteFileAsync(IQuerySession session, Guid runId, string path, CancellationToken ct, long? asOf = null,
        DatasetExportOptions? options = null)
    {
        options ??= DatasetExportOptions.Default;
        var samples = await LoadAsync(session, runId, ct, asOf);
        return await DatasetFile.WriteAsync(path, samples, options, SlJsonlFormat.WriteLine, SlTextRow.From, SlConversationalRow.From, ct);
    }
}
