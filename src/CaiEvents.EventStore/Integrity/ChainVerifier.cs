using System.Text.Json;
using Npgsql;

namespace CaiEvents.EventStore.Integrity;

public enum ChainProblemKind { Edited, Missing, Reordered, Unhashed }

/// <summary>One finding of <see cref="ChainVerifier"/>, naming the event (stream, version, sequence, type).</summary>
public sealed record ChainProblem(ChainProblemKind Kind, Guid StreamId, long Version, long? Sequence, string? EventType, string Detail)
{
    public override string ToString() =>
        $"{Kind.ToString().ToUpperInvariant()} stream {StreamId} version {Version}" +
        (Sequence is { } s ? $" seq {s}" : "") + (EventType is null ? "" : $" ({EventType})") + $": {Detail}";
}

/// <param name="RootHash">sha256 over the heads of every verified stream (see <see cref="EventChain.Root"/>).</param>
public sealed record ChainReport(Guid? RunId, int Streams, long Events, IReadOnlyList<ChainProblem> Problems, string RootHash)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Recomputes the hash chain from the rows of <c>mt_events</c> (read with plain SQL, not through Marten, so nothing
/// is upcast or re-serialised on the way) and checks, per stream: versions 1..N with no gap, N equal to the
/// stream's recorded version, sequences increasing with the version, and every stored hash equal to the hash of
/// that row chained to the stored hash of the row before it. The rows arrive as one ordered stream from PostgreSQL and are
/// checked one stream at a time, so memory holds one stream (and the problems found), whatever the size of the store.
/// A run's streams are its run stream, its samples and comparisons (found through their documents' run_id index, and the
/// ids a <c>RunStarted</c> still lists), and the import and training-job streams that name the run (found by event type);
/// no other run's events are read.
/// </summary>
public static class ChainVerifier
{
    private sealed record Row(long Sequence, Guid StreamId, long Version, string Type, string Data, string? Hash);

    public static async Task<ChainReport> VerifyAsync(EventStoreOptions options, Guid? runId, CancellationToken ct)
    {
        await using var data = EventStoreDataSource.Create(options.ConnectionString);
        await using var connection = await data.OpenConnectionAsync(ct);
        var schema = options.Schema;
        await using (var exists = connection.CreateCommand())
        {
            exists.CommandText = $"select to_regclass('{schema}.mt_events') is not null and to_regclass('{schema}.mt_streams') is not null";
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
                return runId is { } missing
                    ? throw new ArgumentException($"run {missing} does not exist (the event store is empty)")
                    : new ChainReport(null, 0, 0, [], EventChain.Root([]));
        }

        await using var command = connection.CreateCommand();
        // One ordered query streams every row: PostgreSQL sorts a 200,000-sample run's 1.4 million events before the first
        // row comes back, which outlasted Npgsql's default 30 s command timeout. The reading stays cancellable.
        command.CommandTimeout = 0;
        if (runId is { } run)
        {
            if (!await RunExistsAsync(connection, schema, run, ct)) throw new ArgumentException($"run {run} does not exist");
            command.CommandText = $"with streams as ({await RunStreamsSqlAsync(connection, schema, ct)}) " + StreamRowsSql(schema);
            command.Parameters.AddWithValue("run", run);
            command.Parameters.AddWithValue("run_text", run.ToString("D"));
        }
        else
        {
            // Marten's own tombstone events (placeholders for sequence numbers of failed transactions) are not chained.
            command.CommandText = $"with streams as (select stream_id as id from {schema}.mt_events where type <> 'tombstone' union " +
                                  $"select id from {schema}.mt_streams where id not in (select stream_id from {schema}.mt_events where type = 'tombstone')) " +
                                  StreamRowsSql(schema);
        }

        var problems = new List<ChainProblem>();
        var root = EventChain.CreateRoot();
        var streams = 0;
        long eventCount = 0;
        var events = new List<Row>();
        Guid? current = null;
        long? recordedVersion = null;
        void Finish()
        {
            if (current is not { } streamId) return;
            streams++;
            if (events.Count == 0)
            {
                problems.Add(new ChainProblem(ChainProblemKind.Missing, streamId, recordedVersion ?? 0, null, null,
                    recordedVersion is { } v
                        ? $"the stream records version {v} but none of its events is in mt_events"
                        : "the stream belongs to the run but has no events"));
                EventChain.AddHead(root, streamId, 0, "");
                return;
            }
            CheckStream(streamId, events, recordedVersion, problems);
            EventChain.AddHead(root, streamId, events[^1].Version, events[^1].Hash ?? "");
            eventCount += events.Count;
        }

        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var streamId = reader.GetGuid(0);
                if (streamId != current)
                {
                    Finish();
                    current = streamId;
                    events.Clear();
                    recordedVersion = reader.IsDBNull(6) ? null : reader.GetInt64(6);
                }
                if (!reader.IsDBNull(1))
                    events.Add(new Row(reader.GetInt64(1), streamId, reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        Finish();
        return new ChainReport(runId, streams, eventCount, problems, EventChain.RootHash(root));
    }

    /// <summary>
    /// Every event of the listed streams (and a row of nulls for a stream without events) with the stream's recorded version, ordered by
    /// stream id (PostgreSQL orders uuids by their bytes, which is the ordinal order of their text, the order of the root hash), version and
    /// sequence.
    /// </summary>
    private static string StreamRowsSql(string schema) =>
        $"select s.id, e.seq_id, e.version, e.type, e.data::text, e.headers->>'{EventChain.HeaderName}', m.version from streams s " +
        $"left join {schema}.mt_streams m on m.id = s.id " +
        $"left join {schema}.mt_events e on e.stream_id = s.id and e.type <> 'tombstone' " +
        "order by s.id, e.version, e.seq_id";

    private static async Task<bool> RunExistsAsync(NpgsqlConnection connection, string schema, Guid runId, CancellationToken ct)
    {
        // The run stream may itself have lost its first event: it still exists while mt_streams or mt_events holds it.
        await using var command = connection.CreateCommand();
        command.CommandText = $"select exists(select 1 from {schema}.mt_streams where id = @run) " +
                              $"or exists(select 1 from {schema}.mt_events where stream_id = @run)";
        command.Parameters.AddWithValue("run", runId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The streams of a run, as SQL: its own, its samples and comparisons by their documents' run_id (when those tables exist), the ids its
    /// <c>RunStarted</c> lists (runs written before it recorded only a count), and the imports and training jobs naming it.
    /// </summary>
    private static async Task<string> RunStreamsSqlAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        var parts = new List<string>
        {
            "select @run::uuid as id",
            $"select jsonb_array_elements_text(case jsonb_typeof(data->'SampleIds') when 'array' then data->'SampleIds' else '[]' end)::uuid " +
            $"from {schema}.mt_events where stream_id = @run and type = 'run_started'",
            $"select jsonb_array_elements_text(case jsonb_typeof(data->'PairIds') when 'array' then data->'PairIds' else '[]' end)::uuid " +
            $"from {schema}.mt_events where stream_id = @run and type = 'run_started'",
            $"select stream_id from {schema}.mt_events where type in ('preference_imported', 'preference_imported_v2', 'policy_training_started') " +
            "and data->>'RunId' = @run_text",
        };
        foreach (var table in new[] { "mt_doc_samplestate", "mt_doc_comparisonstate" })
        {
            await using var exists = connection.CreateCommand();
            exists.CommandText = $"select to_regclass('{schema}.{table}') is not null";
            if ((bool)(await exists.ExecuteScalarAsync(ct))!) parts.Add($"select id from {schema}.{table} where run_id = @run");
        }
        return string.Join(" union ", parts);
    }

    private static void CheckStream(Guid streamId, List<Row> events, long? recordedVersion, List<ChainProblem> problems)
    {
        long expectedVersion = 1;
        Row? previous = null;
        foreach (var e in events)
        {
            if (e.Version != expectedVersion)
            {
                // A gap: the events between were deleted (or this one was renumbered).
                for (var missing = expectedVersion; missing < e.Version; missing++)
                    problems.Add(new ChainProblem(
                        ChainProblemKind.Missing, streamId, missing, null, null, "no event with this version (deleted or renumbered)"));
                if (e.Version < expectedVersion)
                    problems.Add(new ChainProblem(ChainProblemKind.Reordered, streamId, e.Version, e.Sequence, e.Type, "two events carry this version"));
            }
            if (previous is not null && e.Sequence <= previous.Sequence)
                problems.Add(new ChainProblem(ChainProblemKind.Reordered, streamId, e.Version, e.Sequence, e.Type,
                    $"its sequence is not after the sequence {previous.Sequence} of version {previous.Version}"));

            if (e.Hash is null)
                problems.Add(new ChainProblem(ChainProblemKind.Unhashed, streamId, e.Version, e.Sequence, e.Type,
                    "no hash in its headers (written before hashing, or the header was removed)"));
            else
            {
                // A missing predecessor hash (a gap) is chained as the empty string, which never matches.
                var chainedTo = previous is not null && previous.Version == e.Version - 1 ? previous.Hash ?? "" : e.Version == 1 ? EventChain.Genesis : "";
                var expected = Recompute(chainedTo, e);
                if (!string.Equals(expected, e.Hash, StringComparison.Ordinal))
                    problems.Add(new ChainProblem(ChainProblemKind.Edited, streamId, e.Version, e.Sequence, e.Type,
                        e.Version > 1 && chainedTo == "" ? "its predecessor is missing, so its hash cannot be chained"
                        : $"stored hash {e.Hash[..Math.Min(12, e.Hash.Length)]}… does not match its content and position (expected {expected[..12]}…)"));
            }
            previous = e;
            expectedVersion = Math.Max(expectedVersion, e.Version) + 1;
        }
        if (recordedVersion is { } head && head != events[^1].Version)
            problems.Add(new ChainProblem(head > events[^1].Version ? ChainProblemKind.Missing : ChainProblemKind.Edited, streamId, head, null, null,
                $"the stream records version {head} but its last event is version {events[^1].Version}"));
    }

    private static string Recompute(string previous, Row e)
    {
        try { return EventChain.Hash(previous, e.StreamId, e.Version, e.Sequence, e.Type, e.Data); }
        catch (JsonException) { return "unparseable"; }
    }
}
