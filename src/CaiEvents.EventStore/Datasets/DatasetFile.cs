using Parquet;
using Parquet.Serialization;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// Writes a dataset's items in the export's format — JSON lines, or Parquet with the text or the conversational row type —
/// through <see cref="AtomicFile"/>, a batch at a time (one Parquet row group per batch); the one place the SL and preference exports
/// choose their writer.
/// </summary>
public static class DatasetFile
{
    /// <returns>How many items were written.</returns>
    public static Task<int> WriteAsync<TItem, TTextRow, TConversationalRow>(string path, IAsyncEnumerable<IReadOnlyList<TItem>> batches,
        DatasetExportOptions options, Action<TItem, Stream, DatasetFormat> writeLine, Func<TItem, TTextRow> textRow,
        Func<TItem, TConversationalRow> conversationalRow, CancellationToken ct)
        where TTextRow : class, new()
        where TConversationalRow : class, new() =>
        AtomicFile.WriteAsync(path, async file =>
        {
            var count = 0;
            await foreach (var items in batches.WithCancellation(ct))
            {
                if (!options.Parquet)
                    foreach (var item in items) writeLine(item, file, options.Format);
                else if (options.Format == DatasetFormat.Conversational)
                    await WriteRowGroupAsync(items.Select(conversationalRow), file, append: count > 0, ct);
                else
                    await WriteRowGroupAsync(items.Select(textRow), file, append: count > 0, ct);
                count += items.Count;
            }
            // An empty dataset is still a valid Parquet file (its schema, no rows), as before.
            if (options.Parquet && count == 0)
            {
                if (options.Format == DatasetFormat.Conversational) await DatasetParquet.WriteAsync(Array.Empty<TConversationalRow>(), file, ct);
                else await DatasetParquet.WriteAsync(Array.Empty<TTextRow>(), file, ct);
            }
            return count;
        });

    private static Task WriteRowGroupAsync<TRow>(IEnumerable<TRow> rows, Stream file, bool append, CancellationToken ct) where TRow : class, new() =>
        append
            ? ParquetSerializer.SerializeAsync(rows, file, new ParquetOptions { Append = true }, cancellationToken: ct)
            : DatasetParquet.WriteAsync(rows, file, ct);
}
