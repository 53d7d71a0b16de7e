using System.Runtime.CompilerServices;
using CaiEvents.Contracts.Events;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// The human comparisons imported into a run (<see cref="PreferenceImported"/>, both stored versions), a bounded batch at a time in file
/// order (file name by ordinal, then line, then sequence). A batch is found by its events' type (the event type index) and run, after the
/// last (file, line, sequence) of the batch before, and then read through Marten so version-1 events are upcast as everywhere else.
/// </summary>
public static class ImportedPreferenceBatches
{
    // Version 1 kept the file and line as Source and SourceLine; version 2 as Origin.File and Origin.Line. "C" collation orders
    // the file names by their bytes, as StringComparer.Ordinal does for every name without characters beyond the BMP.
    private const string File = "coalesce(data->'Origin'->>'File', data->>'Source') collate \"C\"";
    private const string Line = "coalesce((data->'Origin'->>'Line')::int, (data->>'SourceLine')::int)";

    public static async IAsyncEnumerable<IReadOnlyList<PreferenceImported>> BatchesAsync(IQuerySession session, Guid runId, long? asOf, int batchSize,
        [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        var names = EventVersions.PreferenceImportedNames.ToArray();
        var limit = asOf ?? long.MaxValue;
        (string File, int Line, long Sequence)? after = null;
        while (true)
        {
            var filter = "type = any(?) and data->>'RunId' = ? and seq_id <= ?";
            var sequences = after is { } key
                ? await session.AdvancedSql.QueryAsync<long>(
                    $"select seq_id from {schema}.mt_events where {filter} and ({File}, {Line}, seq_id) > (? collate \"C\", ?, ?) " +
                    $"order by {File}, {Line}, seq_id limit ?", ct, names, runId.ToString("D"), limit, key.File, key.Line, key.Sequence, batchSize)
                : await session.AdvancedSql.QueryAsync<long>(
                    $"select seq_id from {schema}.mt_events where {filter} order by {File}, {Line}, seq_id limit ?", ct,
                    names, runId.ToString("D"), limit, batchSize);
            if (sequences.Count == 0) yield break;
            var ids = sequences.ToArray();
            var events = (await session.Events.QueryAllRawEvents().Where(e => ids.Contains(e.Sequence)).ToListAsync(ct)).ToDictionary(e => e.Sequence);
            var batch = sequences.Select(s => (PreferenceImported)events[s].Data).ToList();
            yield return batch;
            if (sequences.Count < batchSize) yield break;
            after = (batch[^1].Origin.File, batch[^1].Origin.Line, sequences[^1]);
        }
    }
}
