using Parquet.Serialization;

namespace CaiEvents.EventStore.Datasets;

/// <summary>Writes dataset rows as one Parquet file (Parquet.Net's defaults: Snappy compression, its default row-group size), in the order given.</summary>
public static class DatasetParquet
{
    public static Task WriteAsync<TRow>(IEnumerable<TRow> rows, Stream output, CancellationToken ct) where TRow : class, new() =>
        ParquetSerializer.SerializeAsync(rows, output, cancellationToken: ct);
}
