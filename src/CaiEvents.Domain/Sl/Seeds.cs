using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CaiEvents.Domain.Sl;

/// <summary>
/// Per-step seeds derived from the run seed, so every step is reproducible on its own and does not
/// depend on which worker ran it or in what order samples were processed.
/// </summary>
public static class Seeds
{
    public static long Derive(long runSeed, Guid sampleId, string purpose)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{runSeed}:{sampleId:N}:{purpose}"));
        // Keep seeds non-negative: they are printed and passed on command lines.
        return BinaryPrimitives.ReadInt64LittleEndian(hash) & long.MaxValue;
    }

    /// <summary>Folds a 64-bit seed into the 32 bits System.Random takes.</summary>
    public static int ToInt32(long seed) => unchecked((int)(seed ^ (seed >>> 32)));
}
