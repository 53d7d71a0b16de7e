using System.Security.Cryptography;
using System.Text;

namespace CaiEvents.Models.Demo;

/// <summary>
/// Small deterministic PRNG (SplitMix64) so the corpus depends on nothing but the seed — not on the runtime's
/// <see cref="Random"/> implementation. Independent streams are derived from (seed, stream name).
/// </summary>
internal sealed class DemoRandom
{
    private ulong state;

    public DemoRandom(int seed, string stream)
    {
        byte[] h = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{stream}"));
        state = BitConverter.ToUInt64(h, 0);
    }

    public ulong NextUInt64()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        return (int)(NextUInt64() % (ulong)n);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
