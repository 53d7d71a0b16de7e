using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Integrity;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using JasperFx;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// What a lost append race leaves in the store. Two workers that settle the last items of a run at the same moment
/// both try to append <see cref="RunCompleted"/> (<see cref="RunCompletion"/>); the one that loses the optimistic
/// concurrency check appends nothing to the run, but Marten writes tombstones for the sequence numbers it had reserved.
/// The fault suite provokes such races (redeliveries after a RabbitMQ restart, transactions cut by a PostgreSQL restart),
/// so its exactly-once count must leave the tombstones out, as this test shows deterministically.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class AppendRaceTests
{
    [Fact]
    public async Task A_lost_append_race_writes_nothing_to_the_run_but_leaves_Marten_tombstones_in_a_stream_of_their_own()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        Guid runId;
        await using (var scope = host.Services.CreateAsyncScope())
            runId = await scope.ServiceProvider.GetRequiredService<RunSubmitter>().WriteAsync(Harness.Request(Harness.Prompts(2), revisions: 1), "test", default);
        var store = host.Services.GetRequiredService<IDocumentStore>();

        // Both writers read the run at the same version, as two workers completing it at once would.
        await using var winner = store.LightweightSession();
        await using var loser = store.LightweightSession();
        var first = await winner.Events.FetchForWriting<RunState>(runId);
        var second = await loser.Events.FetchForWriting<RunState>(runId);
        first.AppendOne(new RunCompleted(runId, 2, 0, "winner", DateTimeOffset.UtcNow));
        second.AppendOne(new RunCompleted(runId, 2, 0, "loser", DateTimeOffset.UtcNow));
        await winner.SaveChangesAsync();
        await Assert.ThrowsAnyAsync<ConcurrencyException>(() => loser.SaveChangesAsync());

        // Marten posts the tombstone in the background.
        List<JasperFx.Events.IEvent> all = [];
        for (var waited = 0; waited < 100 && !all.Any(MartenTombstones.IsTombstone); waited++)
        {
            await Task.Delay(100);
            await using var query = store.QuerySession();
            all = [.. await query.Events.QueryAllRawEvents().ToListAsync()];
        }
        var tombstones = all.Where(MartenTombstones.IsTombstone).ToList();
        Assert.NotEmpty(tombstones);

        // Nothing of the losing append reached the run: one RunCompleted, by the winner.
        var run = await Harness.StreamAsync(store, runId);
        Assert.Equal([typeof(RunStarted), typeof(RunCompleted)], run.Select(e => e.Data.GetType()));
        Assert.Equal("winner", ((RunCompleted)run[1].Data).CompletedBy);

        // The tombstones sit outside every stream of the run, and without them the store holds exactly the run's events:
        // RunStarted + RunCompleted, and one PromptSubmitted per sample.
        await using (var query = store.QuerySession())
        {
            var runStreams = new HashSet<Guid>((await RunQueries.SamplesAsync(query, runId, default)).Select(s => s.Id)) { runId };
            Assert.All(tombstones, t => Assert.DoesNotContain(t.StreamId, runStreams));
            var domain = all.Where(e => !MartenTombstones.IsTombstone(e)).ToList();
            Assert.Equal(2 + 2, domain.Count);
            Assert.All(domain, e => Assert.Contains(e.StreamId, runStreams));
        }

        // Nor do they disturb the hash chain: `cai audit verify` over the whole store finds nothing wrong.
        var report = await ChainVerifier.VerifyAsync(services.EventStore, null, default);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }
}
