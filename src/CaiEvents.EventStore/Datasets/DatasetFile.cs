namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// Writes a dataset's items in the export's format — JSON lines, or Parquet with the text or the conversational row type —
/// through <see cref="AtomicFile"/>; the one place the SL and preference exports choose their writer.
/// </summary>
public static class DatasetFile
{
    /// <returns>How many items were written.</returns>
    public static Task<int> WriteAsync<TItem, TTextRow, TConversationalRow>(string path, IReadOnlyList<TItem> items, DatasetExportOptions options,
        Action<TItem, Stream, DatasetFormat> writeLine, Func<TItem, TTextRow> textRow, Func<TItem, TConversationalRow> conversationalRow,
        CancellationToken ct)
        where TTextRow : class, new()
        where TConversationalRow : class, new() =>
        AtomicFile.WriteAsync(path, async file =>
        {
            if (!options.Parquet)
                foreach (var item in items) writeLine(item, file, options.Format);
            else if (options.Format == DatasetFormat.Conversational)
                await DatasetParquet.WriteAsync(items.Select(conversationalRow), file, ct);
            else
                await DatasetParquet.WriteAsync(items.Select(textRow), file, ct);
            return items.Count;
        });
}
