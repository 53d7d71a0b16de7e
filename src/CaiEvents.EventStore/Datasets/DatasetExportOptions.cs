namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// What an export writes: the row shape, and JSON Lines (default) or one Parquet file holding the same rows; and how many items it reads
/// and holds at once (the JSON lines do not depend on it; a Parquet file gets one row group per batch).
/// </summary>
public sealed record DatasetExportOptions(DatasetFormat Format = DatasetFormat.Text, bool Parquet = false, int BatchSize = RunItemBatches.DefaultBatchSize)
{
    public static readonly DatasetExportOptions Default = new();
}
