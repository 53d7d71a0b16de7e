using JasperFx.Events;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Marten's tombstones: when a transaction that appends events fails (a lost optimistic-concurrency race, or a
/// connection dropped by a PostgreSQL restart), Marten has already reserved the events' sequence numbers, and it
/// fills that gap by writing one placeholder event of type <c>tombstone</c> per reserved number into a stream of its
/// own (not the stream the failed append was aimed at). They are bookkeeping of the store, not events of a run, so
/// tests that count what a run wrote must leave them out — and check that they never sit in one of the run's streams.
/// </summary>
public static class MartenTombstones
{
    public const string EventTypeName = "tombstone";

    public static bool IsTombstone(IEvent e) => e.EventTypeName == EventTypeName;
}
