using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Integrity;
using JasperFx;
using Marten;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// The hash chain's remembered stream heads (<see cref="StreamHeadCache"/>): a store chains to the head it committed last
/// without reading it back, and still chains correctly when another store (another worker process) appended in between
/// or when its own append lost a race and was rolled back.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class ChainHeadCacheTests
{
    [Fact]
    public async Task Chains_verify_when_two_stores_interleave_appends_and_one_loses_a_race()
    {
        await using var services = await TestServices.StartAsync();
        await using var mine = EventStoreSetup.CreateStore(services.EventStore);
        await using var other = EventStoreSetup.CreateStore(services.EventStore);
        await mine.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var stream = Guid.NewGuid();
        RunRetryRequested Retry(string by) => new(stream, [], false, by, DateTimeOffset.UtcNow);

        await AppendAsync(mine, stream, Retry("r0"), Retry("r1")); // versions 1-2, head remembered by mine
        await AppendAsync(mine, stream, Retry("r2")); // version 3 chained to mine's remembered head
        await AppendAsync(other, stream, Retry("r3")); // version 4 by the other store: mine's remembered head is now stale
        await AppendAsync(mine, stream, Retry("r4")); // version 5: mine must read version 4 back

        // A lost race: mine fetches at version 5, the other store appends version 6 first, mine's append is rolled back.
        await using (var loser = mine.LightweightSession())
        {
            var fetched = await loser.Events.FetchStreamStateAsync(stream);
            loser.Events.Append(stream, fetched!.Version + 1, Retry("r5"));
            await AppendAsync(other, stream, Retry("r6"));
            await Assert.ThrowsAnyAsync<ConcurrencyException>(() => loser.SaveChangesAsync());
        }
        await AppendAsync(mine, stream, Retry("r7")); // version 7 chained to the other store's version 6, not to the rolled-back hash

        var report = await ChainVerifier.VerifyAsync(services.EventStore, null, default);
        Assert.True(report.Ok, string.Join("; ", report.Problems.Select(p => $"{p.Kind} {p.StreamId} v{p.Version}: {p.Detail}")));
        Assert.Equal(7, report.Events); // the verifier leaves out the tombstones of the rolled-back append
    }

    private static async Task AppendAsync(IDocumentStore store, Guid stream, params object[] events)
    {
        await using var session = store.LightweightSession();
        var state = await session.Events.FetchStreamStateAsync(stream);
        if (state is null) session.Events.StartStream(stream, events);
        else session.Events.Append(stream, state.Version + events.Length, events);
        await session.SaveChangesAsync();
    }
}
