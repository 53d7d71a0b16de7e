using System.Collections.Concurrent;

namespace CaiEvents.EventStore.Integrity;

/// <summary>
/// The hash of the last committed event of recently written streams, by stream id: what the next append to such a
/// stream chains to, without reading it back. Bounded: past its capacity it forgets everything and starts again
/// (a forgotten head costs one read, never a wrong hash), so its memory is the same for any number of streams.
/// </summary>
public sealed class StreamHeadCache(int capacity)
{
    private readonly ConcurrentDictionary<Guid, (long Version, string Hash)> _heads = new();

    /// <summary>The remembered hash of the stream's event at exactly this version, or null.</summary>
    public string? HashAt(Guid streamId, long version) =>
        _heads.TryGetValue(streamId, out var head) && head.Version == version ? head.Hash : null;

    /// <summary>Records a committed head; an older version than the one remembered is ignored.</summary>
    public void Remember(Guid streamId, long version, string hash)
    {
        if (_heads.Count >= capacity) _heads.Clear();
        _heads.AddOrUpdate(streamId, (version, hash), (_, known) => version >= known.Version ? (version, hash) : known);
    }
}
