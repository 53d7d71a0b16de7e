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

public sealed record StreamHead(Guid StreamId, long Version, string HeadHash);

public sealed record ChainReport(Guid? RunId, int Streams, long Events, IReadOnlyList<ChainProblem> Problems, IReadOnlyList<StreamHead> Heads)
{
    public bool Ok => Problems.Count == 0;
    /// <summary>sha256 over the heads of every verified stream (see <see cref="EventChain.Root"/>).</summary>
    public string RootHash => EventChain.Root(Heads.Select(h => (h.StreamId, h.Version, h.HeadHash)));
}

/// <summary>
/// Recomputes the hash chain from the rows of <c>mt_events</c> (read with plain SQL, not through Marten, so nothing
/// is upcast or re-serialised on the way) and checks, per stream: versions 1..N with no gap, N equal to the
/// stream's recorded version, sequences increasing with the version, and every stored hash equal to the hash of
/// that row chained to the stored hash of the row before it. A run's streams are its run stream, the sample and
/// comparison streams listed in its <c>RunStarted</c>, and the import and training-job streams that name the run.
/// </summary>
public static class ChainVerifier
{
    private sealed record Row(long Sequence, Guid StreamId, long Version, string Type, string Data, string? Hash);

    public static async Task<ChainReport> VerifyAsync(EventStoreOptions options, Guid? runId, CancellationToken ct)
    {
        await using var data = EventStoreDataSource.Create(options.ConnectionString);
        await using var connection = await data.OpenConnectionAsync(ct);
        var schema = options.Schema;
        var problems = new List<ChainProblem>();
        await using (var exists = connection.CreateCommand())
        {
            exists.CommandText = $"select to_regclass('{schema}.mt_events') is not null and to_regclass('{schema}.mt_streams') is not null";
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
                return runId is { } missing
                    ? throw new ArgumentException($"run {missing} does not exist (the event store is empty)")
                    : new ChainReport(null, 0, 0, [], []);
        }

        Guid[]? ids = null;
        if (runId is { } run)
        {
            ids = (await RunStreamsAsync(connection, schema, run, ct)).ToArray();
            if (ids.Length == 0) throw new ArgumentException($"run {run} does not exist");
        }

        var rows = new List<Row>();
        await using (var command = connection.CreateCommand())
        {
            // Marten's own tombstone events (placeholders for sequence numbers of failed transactions) are not chained.
            command.CommandText = $"select seq_id, stream_id, version, type, data::text, headers->>'{EventChain.HeaderName}' from {schema}.mt_events " +
                                  "where type <> 'tombstone'" + (ids is null ? "" : " and stream_id = any(@ids)") + " order by stream_id, version, seq_id";
            if (ids is not null) command.Parameters.AddWithValue("ids", ids);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                rows.Add(new Row(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        var recorded = new Dictionary<Guid, long>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"select id, version from {schema}.mt_streams where " + (ids is null
                ? $"id not in (select stream_id from {schema}.mt_events where type = 'tombstone')"
                : "id = any(@ids)");
            if (ids is not null) command.Parameters.AddWithValue("ids", ids);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) recorded[reader.GetGuid(0)] = reader.GetInt64(1);
        }

        var heads = new List<StreamHead>();
        var byStream = rows.GroupBy(r => r.StreamId).ToDictionary(g => g.Key, g => g.ToList());
        var streamIds = byStream.Keys.Concat(recorded.Keys).Concat(ids ?? []).Distinct().OrderBy(id => id.ToString("D"), StringComparer.Ordinal);
        foreach (var streamId in streamIds)
        {
            var events = byStream.GetValueOrDefault(streamId) ?? [];
            var recordedVersion = recorded.GetValueOrDefault(streamId);
            if (events.Count == 0)
            {
                problems.Add(new ChainProblem(ChainProblemKind.Missing, streamId, recordedVersion, null, null,
                    recorded.ContainsKey(streamId)
                        ? $"the stream records version {recordedVersion} but none of its events is in mt_events"
                        : "the stream belongs to the run but has no events"));
                heads.Add(new StreamHead(streamId, 0, ""));
                continue;
            }
            CheckStream(streamId, events, recorded.TryGetValue(streamId, out var v) ? v : null, problems);
            heads.Add(new StreamHead(streamId, events[^1].Version, events[^1].Hash ?? ""));
        }
        return new ChainReport(runId, heads.Count, rows.Count, problems, heads);
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

    /// <summary>The streams of a run: its own, the items listed in RunStarted, and imports and training jobs naming it.</summary>
    private static async Task<IReadOnlyList<Guid>> RunStreamsAsync(NpgsqlConnection connection, string schema, Guid runId, CancellationToken ct)
    {
        var ids = new List<Guid>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"select data::text from {schema}.mt_events where stream_id = @run and type = 'run_started' order by version limit 1";
            command.Parameters.AddWithValue("run", runId);
            if (await command.ExecuteScalarAsync(ct) is not string started)
            {
                // The run stream may itself have lost its first event: still verify what remains of it.
                await using var exists = connection.CreateCommand();
                exists.CommandText = $"select count(*) from {schema}.mt_streams where id = @run";
                exists.Parameters.AddWithValue("run", runId);
                return (long)(await exists.ExecuteScalarAsync(ct))! > 0 ? [runId] : [];
            }
            ids.Add(runId);
            using var doc = JsonDocument.Parse(started);
            // Old runs list their item ids; newer ones hold only counts, and the ids follow from them (RunItemIds).
            var listed = 0;
            foreach (var list in new[] { "SampleIds", "PairIds" })
                if (doc.RootElement.TryGetProperty(list, out var items) && items.ValueKind == JsonValueKind.Array)
                {
                    ids.AddRange(items.EnumerateArray().Select(i => i.GetGuid()));
                    listed += items.GetArrayLength();
                }
            if (listed == 0)
            {
                static int Count(JsonElement run, string name) =>
                    run.TryGetProperty(name, out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : 0;
                ids.AddRange(RunItemIds.Samples(runId, Count(doc.RootElement, "SampleCount")));
                ids.AddRange(RunItemIds.Pairs(runId, Count(doc.RootElement, "PairCount")));
            }
        }
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"select distinct stream_id from {schema}.mt_events "
                + "where type in ('preference_imported', 'preference_imported_v2', 'policy_training_started') and data->>'RunId' = @run";
            command.Parameters.AddWithValue("run", runId.ToString("D"));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        }
        return ids.Distinct().ToList();
    }
}
