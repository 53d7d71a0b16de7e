using System.Security.Cryptography;
using System.Text;

namespace CaiEvents.Domain.Sl;

/// <summary>
/// Name-based ids (RFC 4122 version 5, SHA-1). The same run + prompt index always gives the same
/// sample id and the same step always gives the same step id, so redelivered or replayed messages can
/// be recognised without any extra bookkeeping.
/// </summary>
public static class DeterministicIds
{
    public static Guid Create(Guid namespaceId, string name)
    {
        Span<byte> ns = stackalloc byte[16];
        namespaceId.TryWriteBytes(ns, bigEndian: true, out _);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buffer = new byte[16 + nameBytes.Length];
        ns.CopyTo(buffer);
        nameBytes.CopyTo(buffer, 16);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(buffer, hash);
        var bytes = hash[..16].ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50); // version 5
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }

    public static Guid Sample(Guid runId, int index) => Create(runId, $"sample:{index}");

    /// <summary>The comparison (pair) stream of prompt <paramref name="index"/> in a run with the RL labelling stage.</summary>
    public static Guid Pair(Guid runId, int index) => Create(runId, $"pair:{index}");

    public static Guid Step(Guid sampleId, string stepName) => Create(sampleId, stepName);
}

/// <summary>Step names: part of the deterministic step ids, so never rename them.</summary>
public static class StepNames
{
    public const string Prompt = "prompt";
    public const string Response = "response";
    public const string Finalized = "finalized";
    public static string Critique(int round) => $"critique:{round}";
    public static string Revision(int round) => $"revision:{round}";
    public static string Failed(string step) => $"failed:{step}";
}
