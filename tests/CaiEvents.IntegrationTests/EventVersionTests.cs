using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>Schema evolution: a stored version-1 event is read (through Marten's upcasting) in the current shape.</summary>
[Collection(nameof(IntegrationCollection))]
public class EventVersionTests
{
    /// <summary>A PreferenceImported event exactly as version 1 stored it (flat Source/SourceLine/SourceId).</summary>
    private const string StoredV1 = """
        {"PairId": "PAIR", "RunId": "RUN", "Prompt": "Is it fine to borrow my flatmate's bike without asking?",
         "Chosen": "Ask first; it is theirs.", "Rejected": "Sure, just take it.", "Source": "hh-2023.jsonl",
         "SourceLine": 17, "SourceId": "hh-17", "ImportedAt": "2025-03-01T10:00:00+00:00"}
        """;

    [Fact]
    public async Task A_stored_v1_PreferenceImported_is_upcast_to_v2_on_read_and_exported_beside_v2_events()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        Guid runId;
        await using (var scope = host.Services.CreateAsyncScope())
            runId = await scope.ServiceProvider.GetRequiredService<RunSubmitter>().WriteAsync(Harness.Request(Harness.Prompts(1), revisions: 1), "test", default);
        var store = host.Services.GetRequiredService<IDocumentStore>();

        // A version-2 import through the code, then a version-1 event inserted raw, as an older release wrote it.
        var (added, _) = await PreferenceImport.ImportAsync(store, runId, "new.jsonl",
            [new ImportedPreference(1, "n-1", "Should I return extra change the cashier gave me?", "Yes, give it back.", "Keep it.")], TimeProvider.System, default);
        Assert.Equal(1, added);
        var v1Id = Guid.NewGuid();
        await using (var connection = new NpgsqlConnection(services.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand($"""
                insert into {services.Schema}.mt_streams (id, version) values (@id, 1);
                insert into {services.Schema}.mt_events (seq_id, id, stream_id, version, data, type)
                values (nextval('{services.Schema}.mt_events_sequence'), @event, @id, 1, @data::jsonb, 'preference_imported');
                """, connection);
            insert.Parameters.AddWithValue("id", v1Id);
            insert.Parameters.AddWithValue("event", Guid.NewGuid());
            insert.Parameters.AddWithValue("data", StoredV1.Replace("PAIR", v1Id.ToString()).Replace("RUN", runId.ToString()));
            await insert.ExecuteNonQueryAsync();
            await using var types = new NpgsqlCommand($"select type from {services.Schema}.mt_events where type like 'preference_imported%' order by seq_id", connection);
            var stored = new List<string>();
            await using (var reader = await types.ExecuteReaderAsync())
                while (await reader.ReadAsync()) stored.Add(reader.GetString(0));
            Assert.Equal(["preference_imported_v2", "preference_imported"], stored);
        }

        await using var session = store.QuerySession();
        var read = Assert.Single(await session.Events.FetchStreamAsync(v1Id));
        var upcast = Assert.IsType<PreferenceImported>(read.Data);
        Assert.Equal(new ImportOrigin("hh-2023.jsonl", 17, "hh-17"), upcast.Origin);
        Assert.Equal(runId, upcast.RunId);
        Assert.Equal("Ask first; it is theirs.", upcast.Chosen);
        Assert.Equal(DateTimeOffset.Parse("2025-03-01T10:00:00+00:00"), upcast.ImportedAt);

        // Exports see both versions in the current shape (ordered by file, then line).
        var examples = await PreferenceDatasetExport.LoadAsync(session, runId, default);
        Assert.Equal(2, examples.Count);
        Assert.All(examples, e => Assert.Equal("human", e.Source));
        Assert.Equal(v1Id, examples[0].PairId); // "hh-2023.jsonl" sorts before "new.jsonl"
        Assert.Equal("Ask first; it is theirs.", examples[0].Chosen);
        Assert.Equal("Yes, give it back.", examples[1].Chosen);
    }
}
