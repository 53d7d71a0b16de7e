namespace CaiEvents.EventStore.Datasets;

/// <summary>What an export writes: the row shape, and JSON Lines (default) or one Parquet file holding the same rows.</summary>
public sealed record DatasetExportOptions(DatasetFormat Format = DatasetFormat.Text, bool Parquet = false)
{
    public static readonly DatasetExportOptions Default = new();
}
