using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Marten;

namespace CaiEvents.EventStore.Integrity;

/// <summary>
/// The tamper-evidence chain: every event carries, in its Marten headers, the sha256 of its own content chained to
/// the hash of the event before it in the same stream. The content is the canonical form of the event data
/// (<see cref="CanonicalJson"/>) plus the stream id, the stream version, the global sequence and the event type name,
/// so editing, deleting, renumbering or moving an event changes what its hash (or its successor's) should be.
/// </summary>
public static class EventChain
{
    /// <summary>Header key holding the hash; the value is lower-case hex.</summary>
    public const string HeaderName = "cai_hash";

    /// <summary>The "previous hash" of the first event of every stream.</summary>
    public static readonly string Genesis = new('0', 64);

    private const string Domain = "caievents/event/v1";

    public static string Hash(string previous, Guid streamId, long version, long sequence, string eventType, string dataJson)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"{Domain}\n{previous}\n{streamId:D}\n{version}\n{sequence}\n{eventType}\n");
        var headBytes = Encoding.UTF8.GetBytes(head);
        var data = CanonicalJson.Canonicalize(dataJson);
        var buffer = new byte[headBytes.Length + data.Length];
        headBytes.CopyTo(buffer, 0);
        data.CopyTo(buffer, headBytes.Length);
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    /// <summary>Root of a set of streams: sha256 over "stream version head-hash" lines, sorted by stream id.</summary>
    public static string Root(IEnumerable<(Guid StreamId, long Version, string HeadHash)> heads)
    {
        var root = CreateRoot();
        foreach (var (id, version, hash) in heads.OrderBy(h => h.StreamId.ToString("D"), StringComparer.Ordinal)) AddHead(root, id, version, hash);
        return RootHash(root);
    }

    /// <summary>A <see cref="Root"/> computed one head at a time, for heads that arrive already sorted by stream id (no list held).</summary>
    public static RootAccumulator CreateRoot() => new();

    /// <summary>Adds the next head; heads must come in ascending ordinal order of their stream id's text.</summary>
    public static void AddHead(RootAccumulator root, Guid streamId, long version, string headHash)
    {
        var id = streamId.ToString("D");
        if (root.LastStreamId is { } last && string.CompareOrdinal(last, id) >= 0)
            throw new InvalidOperationException($"stream heads out of order: {id} after {last}");
        root.Hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id} {version} {headHash}\n")));
        root.LastStreamId = id;
    }

    public static string RootHash(RootAccumulator root) => Convert.ToHexStringLower(root.Hash.GetCurrentHash());

    /// <summary>The running sha256 of a root and the last stream id added to it.</summary>
    public sealed class RootAccumulator
    {
        internal IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        internal string? LastStreamId { get; set; }
    }
}
