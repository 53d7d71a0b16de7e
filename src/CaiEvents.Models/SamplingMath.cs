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
        if (sampling.Temperature <= 0 || !float.IsFinite(logits[best]))
        {
            return best; // greedy, or degenerate logits with nothing meaningful to sample from
        }

        var weights = new double[logits.Length];
        var total = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            // exp((l - max) / T): the best token weighs 1; NaN weighs 0.
            weights[i] = float.IsNaN(logits[i]) ? 0 : Math.Exp((logits[i] - logits[best]) / sampling.Temperature);
            total += weights[i];
        }
        var topP = sampling.TopP is > 0 and < 1;
        if (sampling.TopK <= 0 && !topP)
        {
            // Unrestricted: draw straight from the weights in id order; no sorting needed.
            return Draw(weights, null, weights.Length, total, rng);
        }

        var order = MostLikely(weights, total, sampling.TopK, topP ? sampling.TopP : 1);
        var count = sampling.TopK > 0 ? Math.Min(sampling.TopK, order.Length) : order.Length;
        var norm = 0.0;
        for (var i = 0; i < count; i++)
        {
            norm += weights[order[i]];
        }
        if (sampling.TopK <= 0)
        {
            norm = total; // the prefix may stop short of the whole vocabulary; the nucleus is relative to all of it
        }
        var keep = count;
        if (topP)
        {
            // Nucleus: the smallest prefix (in descending probability) whose mass reaches TopP.
            var cumulative = 0.0;
            for (var i = 0; i < count; i++)
            {
                cumulative += weights[order[i]] / norm;
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
            mass += weights[order[i]];
        }
        return Draw(weights, order, keep, mass, rng);
    }

    /// <summary>
    /// Ids in descending weight, but only as many as top-k / top-p can need: the tokens above a
    /// threshold that is lowered (by 16× per round) until they include the top <paramref name="topK"/>,
    /// or (without top-k) hold at least <paramref name="topP"/> of the total mass. The result is always
    /// a prefix of the full sorted order, so the choice is exact; on peaked distributions it is short
    /// and sorting it is cheap compared to sorting the whole vocabulary.
    /// </summary>
    private static int[] MostLikely(double[] weights, double total, int topK, double topP)
    {
        var positive = weights.Count(w => w > 0);
        for (var threshold = 1.0 / 16; ; threshold /= 16)
        {
            var count = 0;
            var mass = 0.0;
            foreach (var w in weights)
            {
                if (w >= threshold && w > 0)
                {
                    count++;
                    mass += w;
                }
            }
            var enough = topK > 0 ? count >= topK : mass >= topP * total;
            if (enough || count == positive)
            {
                var ids = new int[count];
                var keys = new double[count];
                for (int i = 0, j = 0; i < weights.Length && j < count; i++)
                {
                    if (weights[i] >= threshold && weights[i] > 0)
                    {
                        ids[j] = i;
                        keys[j++] = -weights[i];
                    }
                }
                // Array.Sort is deterministic for the same input, which is all reproducibility needs.
                Array.Sort(keys, ids);
                return ids;
            }
        }
    }

    /// <summary>One draw among the first <paramref name="count"/> of <paramref name="ids"/> (null: all ids in order), proportional to weight.</summary>
    private static int Draw(double[] weights, int[]? ids, int count, double mass, Random rng)
    {
        var u = rng.NextDouble() * mass;
        for (var i = 0; i < count; i++)
        {
            var id = ids?[i] ?? i;
            u -= weights[id];
            if (u < 0)
            {
                return id;
            }
        }
        // Rounding left a sliver of mass: the last id with any weight.
        for (var i = count - 1; i > 0; i--)
        {
            var id = ids?[i] ?? i;
            if (weights[id] > 0)
            {
                return id;
            }
        }
        return ids?[0] ?? 0;
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

    /// <summary>The text before the earliest of <paramref name="stops"/> in <paramref name="text"/>; null when none occurs.</summary>
    public static string? TextBeforeStop(string text, IReadOnlyList<string> stops)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(stops);
        var cut = -1;
        foreach (var stop in stops)
        {
            var i = text.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (cut < 0 || i < cut))
            {
                cut = i;
            }
        }
        return cut < 0 ? null : text[..cut];
    }
}
