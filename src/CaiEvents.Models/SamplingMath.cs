using CaiEvents.Contracts;

namespace CaiEvents.Models;

/// <summary>
/// Next-token choice from float32 logits, in managed code: the result depends only on the logits, the
/// sampling parameters and the <see cref="Random"/> state, so a row samples the same tokens alone or
/// in a batch, on any device.
/// </summary>
public static class SamplingMath
{
    /// <summary>
    /// Greedy (lowest id among equal maxima) when <see cref="SamplingParameters.Temperature"/> ≤ 0;
    /// otherwise softmax(logits / temperature) restricted to the <c>TopK</c> most likely tokens (0 = all),
    /// then to the smallest most-likely prefix whose mass reaches <c>TopP</c> (≥ 1 = all), sampled with
    /// one draw from <paramref name="rng"/>. NaN logits are never chosen.
    /// </summary>
    public static int Sample(ReadOnlySpan<float> logits, SamplingParameters sampling, Random rng)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(rng);
        if (logits.IsEmpty)
        {
            throw new ArgumentException("No logits to sample from.", nameof(logits));
        }
        var best = ArgMax(logits);
        if (sampling.Temperature <= 0 || float.IsPositiveInfinity(logits[best]) || float.IsNegativeInfinity(logits[best]))
        {
            return best; // greedy, or degenerate logits with nothing meaningful to sample from
        }

        // Candidates by descending logit. Array.Sort is deterministic for the same input, which is all
        // reproducibility needs (exact ties are broken the same way every time).
        var keys = new float[logits.Length];
        var ids = new int[logits.Length];
        var count = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (!float.IsNaN(logits[i]))
            {
                keys[count] = -logits[i];
                ids[count++] = i;
            }
        }
        Array.Sort(keys, ids, 0, count);
        if (sampling.TopK > 0 && sampling.TopK < count)
        {
            count = sampling.TopK;
        }

        var max = (double)logits[ids[0]];
        var weights = new double[count];
        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            weights[i] = Math.Exp((logits[ids[i]] - max) / sampling.Temperature);
            total += weights[i];
        }
        var keep = count;
        if (sampling.TopP is > 0 and < 1)
        {
            var cumulative = 0.0;
            for (var i = 0; i < count; i++)
            {
                cumulative += weights[i] / total;
                if (cumulative >= sampling.TopP)
                {
                    keep = i + 1;
                    break;
                }
            }
        }

        var mass = 0.0;
        for (var i = 0; i < keep; i++)
        {
            mass += weights[i];
        }
        var u = rng.NextDouble() * mass;
        for (var i = 0; i < keep; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return ids[i];
            }
        }
        return ids[keep - 1];
    }

    /// <summary>Index of the largest logit; the lowest index wins ties; NaN never wins unless all are NaN.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best] || float.IsNaN(logits[best]) && !float.IsNaN(logits[i]))
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>log_softmax(logits)[index], computed in double.</summary>
    public static double LogSoftmaxAt(ReadOnlySpan<float> logits, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, logits.Length);
        var max = double.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }
        var sum = 0.0;
        foreach (var l in logits)
        {
            sum += Math.Exp(l - max);
        }
        return logits[index] - max - Math.Log(sum);
    }

    /// <summary>A row's generator from its request seed (both halves of the 64-bit seed matter).</summary>
    public static Random RowRandom(long seed) => new(unchecked((int)(seed ^ (seed >> 32))));
}
