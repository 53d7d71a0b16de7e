using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CaiEvents.Domain.Sl;

/// <summary>
/// Per-step seeds derived from the run seed and the item's key, so every step is reproducible on its own and does
/// not depend on which worker ran it or in what order items were processed.
/// </summary>
public static class Seeds
{
    private static readonly Guid KeyNamespace = new("6f1d8f4e-2b0a-4c57-9a43-7d1e0c5b9a21");

    /// <summary>
    /// The key a sample's seeds and principle draws derive from: its position in the run's prompt set, not its id
    /// (which is derived from the random run id), so two runs with the same seed, prompts and models draw the same.
    /// </summary>
    public static Guid SampleKey(int index) => DeterministicIds.Create(KeyNamespace, $"sample:{index}");

    /// <summary>The key of a comparison (response pair + label) of the RL stage; see <see cref="SampleKey"/>.</summary>
    public static Guid ComparisonKey(int index) => DeterministicIds.Create(KeyNamespace, $"comparison:{index}");

    public static long Derive(long runSeed, Guid itemKey, string purpose)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{runSeed}:{itemKey:N}:{purpose}"));
        // Keep seeds non-negative: they are printed and passed on command lines.
        return BinaryPrimitives.ReadInt64LittleEndian(hash) & long.MaxValue;
    }

    /// <summary>Folds a 64-bit seed into the 32 bits System.Random takes.</summary>
    public static int ToInt32(long seed) => unchecked((int)(seed ^ (seed >>> 32)));
}
