using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.TestSupport;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>Critic and Reviser on a remote OpenAI-compatible endpoint (a real HTTP server on loopback), Generator local.</summary>
[Collection(nameof(IntegrationCollection))]
public class RemoteModelPipelineTests
{
    [Fact]
    public async Task Critic_and_reviser_on_a_remote_endpoint_run_end_to_end_and_are_named_in_provenance()
    {
        await using var server = await LoopbackOpenAiServer.StartAsync();
        server.RequiredApiKey = "test-key-never-logged";
        server.Respond = call => call.Prompt.EndsWith("Critique:", StringComparison.Ordinal)
            ? " The reply takes the request at face value and could help someone cause harm.\n\nRevision Request: ignored"
            : " I can't help with that, but here is a safer way to approach it.";
        // The completions endpoint this test is about: the server also answers chat, which the catalog would choose without ?api=.
        var remote = server.ModelId("critic-large") + "?api=completions";

        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.RabbitMq, null,
            ("Models:Remote:ApiKey", "test-key-never-logged"));
        var request = Harness.Request(Harness.Prompts(3), revisions: 2, maxNewTokens: 48) with { CriticModel = remote, ReviserModel = remote };
        var runId = await Harness.SubmitAsync(host, request);
        var run = await Harness.WaitAsync(host, runId);
        Assert.Equal(3, run.Finalized);

        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        foreach (var sample in await RunQueries.SamplesAsync(session, runId, default))
        {
            var events = (await Harness.StreamAsync(store, sample.Id)).Select(e => e.Data).ToList();
            var response = Assert.Single(events.OfType<ResponseGenerated>());
            Assert.Equal("builtin:tiny", response.Provenance.ModelId);
            foreach (var critique in events.OfType<CritiqueProduced>())
            {
                Assert.Equal(remote, critique.Provenance.ModelId);
                Assert.StartsWith("remote:", critique.Provenance.CheckpointHash);
                // Cut at the next turn marker, as for local models.
                Assert.Equal("The reply takes the request at face value and could help someone cause harm.", critique.Critique);
            }
            foreach (var revision in events.OfType<RevisionProduced>()) Assert.Equal(remote, revision.Provenance.ModelId);
            Assert.Equal("I can't help with that, but here is a safer way to approach it.", events.OfType<SlExampleFinalized>().Single().Completion);
        }
        // 3 samples × 2 rounds × (critique + revision), each with the key, and no key in the event store.
        Assert.Equal(12, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal("Bearer test-key-never-logged", r.Authorization));
        Assert.All(server.Requests, r => Assert.Equal("critic-large", r.Body!["model"]!.GetValue<string>()));
        await using var connection = new Npgsql.NpgsqlConnection(services.ConnectionString);
        await connection.OpenAsync();
        await using var leak = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM {services.Schema}.mt_events WHERE data::text LIKE '%test-key-never-logged%'", connection);
        Assert.Equal(0L, (long)(await leak.ExecuteScalarAsync())!);
    }
}
