using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using Marten;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// What the fault tests check about a run of N prompts submitted with one revision round and <c>--pairs</c>: it wrote
/// exactly what an undisturbed run writes (one run, one <see cref="RunCompleted"/>, per prompt one final SL example and
/// one label, no step recorded twice, no failure), and how far such a run has got while it is in flight.
/// </summary>
public static class ExactlyOnceRun
{
    /// <summary>RunStarted + RunCompleted, 5 events per sample (prompt, response, critique, revision, final), 3 per comparison.</summary>
    public static int ExpectedEvents(int prompts) => 2 + prompts * 5 + prompts * 3;

    /// <summary>What submission writes (RunStarted, one PromptSubmitted and one ComparisonSubmitted per prompt).</summary>
    private static int SubmittedEvents(int prompts) => 1 + prompts * 2;

    /// <summary>
    /// The run's step events written so far as a share of all of them (events in the schema <c>cai</c>); <paramref name="last"/>
    /// while PostgreSQL does not answer. <paramref name="connectionString"/> may list a primary and its standby.
    /// </summary>
    public static async Task<double> ProgressAsync(string connectionString, int prompts, double last, CancellationToken ct)
    {
        try
        {
            await using var source = EventStoreDataSource.Create(connectionString + ";Timeout=2;Pooling=false");
            await using var connection = await source.OpenConnectionAsync(ct);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM cai.mt_events", connection);
            return ((long)(await count.ExecuteScalarAsync(ct))! - SubmittedEvents(prompts)) / (double)(ExpectedEvents(prompts) - SubmittedEvents(prompts));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            return last;
        }
    }

    /// <summary>Checks that the run wrote exactly what an undisturbed run writes; returns how many Marten tombstones it left out.</summary>
    public static async Task<int> AssertAsync(string connectionString, Guid runId, int prompts)
    {
        await using var store = EventStoreSetup.CreateStore(new EventStoreOptions { ConnectionString = connectionString, Schema = "cai" });
        await using var session = store.QuerySession();
        // One run: the submission was not repeated.
        Assert.Equal([runId], await session.Query<RunState>().Select(r => r.Id).ToListAsync());
        var run = (await RunQueries.LoadRunAsync(session, runId, default))!;
        Assert.True(run.Completed);
        Assert.Equal(2 * prompts, run.Finalized);
        Assert.Equal(0, run.Failed);

        var stored = await session.Events.QueryAllRawEvents().ToListAsync();
        // Marten's tombstones (placeholders for the sequence numbers of appends that failed: lost concurrency races after
        // redeliveries, transactions cut by a PostgreSQL restart or failover) are not events of the run; they must never
        // sit in one of its streams. Everything else must be exactly what an undisturbed run writes.
        var tombstones = stored.Where(MartenTombstones.IsTombstone).ToList();
        var events = stored.Where(e => !MartenTombstones.IsTombstone(e)).ToList();
        var samples = await RunQueries.SamplesAsync(session, runId, default);
        var comparisons = await RunQueries.ComparisonsAsync(session, runId, default);
        var expectedCount = new Dictionary<Guid, int> { [runId] = 2 };
        foreach (var sample in samples) expectedCount[sample.Id] = 5;
        foreach (var comparison in comparisons) expectedCount[comparison.Id] = 3;
        Assert.True(tombstones.All(t => !expectedCount.ContainsKey(t.StreamId)), "a tombstone sits in one of the run's streams");
        // Name any stream that is not exactly as an undisturbed run writes it (or that is no stream of the run), before counting.
        var odd = events.GroupBy(e => e.StreamId).Where(g => !expectedCount.TryGetValue(g.Key, out var n) || g.Count() != n)
            .Select(g => $"{g.Key}: " + string.Join(" | ", g.OrderBy(e => e.Version).Select(e =>
                $"v{e.Version} {e.EventTypeName} step {ProvenanceOf(e.Data)?.StepId} by {ProvenanceOf(e.Data)?.WorkerInstance} at {e.Timestamp:HH:mm:ss.fff}")))
            .ToList();
        Assert.True(odd.Count == 0,
            $"{events.Count} events ({tombstones.Count} tombstones left out), {ExpectedEvents(prompts)} expected; streams that differ:\n{string.Join("\n", odd.Take(5))}");
        Assert.Equal(ExpectedEvents(prompts), events.Count);
        // No step recorded twice: (stream, event type, step id) is unique.
        var duplicates = events.Select(e => (e.StreamId, Type: e.EventType.Name, Step: ProvenanceOf(e.Data)?.StepId))
            .Where(k => k.Step is not null).GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"duplicated steps: {string.Join(", ", duplicates.Take(10))}");

        var byStream = events.GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Version).Select(e => e.Data.GetType()).ToList());
        Assert.Equal([typeof(RunStarted), typeof(RunCompleted)], byStream[runId]);
        Assert.Equal(prompts, samples.Count);
        Assert.Equal(prompts, comparisons.Count);
        Assert.Equal(1 + 2 * prompts, byStream.Count);
        Assert.All(samples, sample => Assert.Equal(
            [typeof(PromptSubmitted), typeof(ResponseGenerated), typeof(CritiqueProduced), typeof(RevisionProduced), typeof(SlExampleFinalized)],
            byStream[sample.Id]));
        Assert.All(comparisons, comparison => Assert.Equal(
            [typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled)], byStream[comparison.Id]));
        Assert.Equal(prompts, samples.Select(x => x.PromptId).Distinct().Count());
        return tombstones.Count;
    }

    private static Provenance? ProvenanceOf(object data) => data.GetType().GetProperty(nameof(Provenance))?.GetValue(data) as Provenance;
}
