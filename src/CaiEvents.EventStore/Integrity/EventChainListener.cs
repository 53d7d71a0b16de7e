using Marten;
using Marten.Services;

namespace CaiEvents.EventStore.Integrity;

/// <summary>
/// Stamps every appended event with its chained hash, in one place for every session of the store. It runs after
/// Marten has assigned stream versions and sequence numbers (rich append mode) and before the batch is written.
/// When a session appends to an existing stream, the previous hash is the one this store committed last on that
/// stream when it is still known here (<see cref="StreamHeadCache"/>: a pipeline's next step usually runs in the
/// process that wrote the step before), and is otherwise read from the stored event at the version just below the
/// first new one. Either way, if another writer appended in between, Marten's expected-version check rejects this
/// whole transaction, so a hash is never chained to an event that is not the one stored before it.
/// </summary>
public sealed class EventChainListener : DocumentSessionListenerBase
{
    /// <summary>Streams whose head this store remembers; a step's stream is written again within seconds, so a few thousand do.</summary>
    public const int RememberedStreams = 16_384;

    private readonly StreamHeadCache _heads = new(RememberedStreams);

    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        foreach (var stream in session.PendingChanges.Streams())
        {
            if (stream.Events.Count == 0) continue;
            var serializer = session.DocumentStore.Options.Serializer();
            var events = stream.Events.OrderBy(e => e.Version).ToList();
            var first = events[0].Version;
            var previous = first <= 1 ? EventChain.Genesis
                : _heads.HashAt(stream.Id, first - 1) ?? await StoredHashAsync(session, stream.Id, first - 1, token);
            foreach (var e in events)
            {
                if (e.Sequence <= 0 || e.Version <= 0)
                    throw new InvalidOperationException(
                        $"event {e.EventTypeName} of stream {stream.Id} has no version/sequence yet: the hash chain needs rich append mode");
                var hash = EventChain.Hash(previous, stream.Id, e.Version, e.Sequence, e.EventTypeName, serializer.ToJson(e.Data));
                e.SetHeader(EventChain.HeaderName, hash);
                previous = hash;
            }
        }
    }

    /// <summary>Only what is committed is remembered: a rolled-back append leaves the stream's head as it was.</summary>
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(commit);
        foreach (var stream in commit.GetStreams())
        {
            var head = stream.Events.MaxBy(e => e.Version);
            if (head?.Headers?.TryGetValue(EventChain.HeaderName, out var hash) == true && hash is string text)
                _heads.Remember(stream.Id, head.Version, text);
        }
        return Task.CompletedTask;
    }

    /// <summary>The hash stored on one event; empty when that event predates hashing.</summary>
    private static async Task<string> StoredHashAsync(IDocumentSession session, Guid streamId, long version, CancellationToken ct)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        var found = await session.AdvancedSql.QueryAsync<string>(
            $"select coalesce(headers->>'{EventChain.HeaderName}', '') from {schema}.mt_events where stream_id = ? and version = ?",
            ct, streamId, version);
        return found.Count == 1 ? found[0] : throw new InvalidOperationException($"stream {streamId} has no stored event at version {version} to chain to");
    }
}
