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
        var sb = new StringBuilder();
        foreach (var (id, version, hash) in heads.OrderBy(h => h.StreamId.ToString("D"), StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"{id:D} {version} {hash}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
