using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Marten;
using Marten.Linq;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Run progress (`status`, `wait`, the completion check after every settled item, the dashboard) is answered from the
/// (run_id, status) index and the index of failed items, never by reading or returning a run's items: the query plans
/// of those queries name the indexes and hold no sequential scan. (The plans are taken with sequential scans
/// discouraged, as a table of a few hundred rows would rightly be scanned; what is checked is that an index answers them.)
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class RunProgressQueryTests
{
    [Fact]
    public async Task Progress_queries_are_answered_from_the_run_status_indexes_and_count_right()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        Guid runId;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var request = Harness.Request(Harness.Prompts(30), revisions: 1) with { Feedback = Harness.TinyFeedback() };
            runId = await scope.ServiceProvider.GetRequiredService<RunSubmitter>().WriteAsync(request, "test", default);
        }

        await using var session = store.QuerySession();
        var progress = await RunQueries.CountByStatusAsync(session, runId, default);
        Assert.Equal(new RunProgress(30, 0, 0, 0, 30, 0, 0, 0), progress);
        Assert.Equal(60, progress.Written);
        Assert.True(await RunQueries.AnyUnsettledAsync(session, runId, default));
        Assert.Equal(new RoundsInFlight(0, 0), await RunQueries.RoundsInFlightAsync(session, runId, default));
        Assert.Empty(await RunQueries.FailedSamplesAsync(session, runId, default));
        var run = (await RunQueries.LoadRunAsync(session, runId, default))!;
        Assert.Equal([10, 11, 12], (await RunQueries.SamplesPageAsync(session, run, 10, 3, default)).Select(s => s.Index));
        Assert.Equal([28, 29], (await RunQueries.ComparisonsPageAsync(session, run, 28, 100, default)).Select(s => s.Index));

        await using var connection = new NpgsqlConnection(services.ConnectionString);
        await connection.OpenAsync();
        // Vacuumed (as autovacuum does), so the visibility map lets an index answer a count without visiting the table.
        foreach (var sql in new[] { $"vacuum analyze {services.Schema}.mt_doc_samplestate", $"vacuum analyze {services.Schema}.mt_doc_comparisonstate",
                     "set enable_seqscan = off" })
            await using (var command = new NpgsqlCommand(sql, connection))
                await command.ExecuteNonQueryAsync();

        var samples = session.Query<SampleState>();
        var pairs = session.Query<ComparisonState>();
        // CountByStatusAsync: one count per status, from the index alone.
        var count = await PlanAsync(connection, samples.Where(x => x.RunId == runId && x.Status == SampleStatus.Finalized).ToCommand(FetchType.Count));
        Assert.Contains(EventStoreSetup.SampleRunStatusIndex, count);
        Assert.True(count.Contains("Index Only Scan", StringComparison.Ordinal), count);
        Assert.Contains(EventStoreSetup.ComparisonRunStatusIndex,
            await PlanAsync(connection, pairs.Where(x => x.RunId == runId && x.Status == ComparisonStatus.Labelled).ToCommand(FetchType.Count)));
        // AnyUnsettledAsync: a probe of the same index.
        Assert.Contains(EventStoreSetup.SampleRunStatusIndex, await PlanAsync(connection,
            samples.Where(x => x.RunId == runId && (x.Status == SampleStatus.Submitted || x.Status == SampleStatus.Responded)).ToCommand(FetchType.Any)));
        // The failures `status` and the dashboard list: the small index of failed items, or the run's entries of that status.
        var failedSamples = await PlanAsync(connection, samples.Where(x => x.RunId == runId && x.Status == SampleStatus.Failed).ToCommand(FetchType.FetchMany));
        Assert.True(failedSamples.Contains(EventStoreSetup.SampleFailedIndex, StringComparison.Ordinal)
            || failedSamples.Contains(EventStoreSetup.SampleRunStatusIndex, StringComparison.Ordinal), failedSamples);
        var failedPairs = await PlanAsync(connection, pairs.Where(x => x.RunId == runId && x.Status == ComparisonStatus.Failed).ToCommand(FetchType.FetchMany));
        Assert.True(failedPairs.Contains(EventStoreSetup.ComparisonFailedIndex, StringComparison.Ordinal)
            || failedPairs.Contains(EventStoreSetup.ComparisonRunStatusIndex, StringComparison.Ordinal), failedPairs);
    }

    private static async Task<string> PlanAsync(NpgsqlConnection connection, NpgsqlCommand query)
    {
        query.CommandText = "explain " + query.CommandText;
        query.Connection = connection;
        var lines = new List<string>();
        await using (var reader = await query.ExecuteReaderAsync())
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        var plan = string.Join('\n', lines);
        Assert.DoesNotContain("Seq Scan", plan);
        return plan;
    }
}
