using CaiEvents.Contracts;

namespace CaiEvents.Models;

/// <summary>
/// Picks the next token from float32 logits in managed code, so that the choice depends only on the
/// logits, the sampling parameters and the <see cref="Random"/> state.
/// <c>&lt;pad&gt;</c> and <c>&lt;bos&gt;</c> are never produced; <c>&lt;eos&gt;</c> may be.
/// </summary>
internal static class Sampler
{
    public static int Next(ReadOnlySpan<float> logits, SamplingParameters sampling, Random rng)
    {
        var candidates = new List<int>(logits.Length);
        for (var i = 0; i < logits.Length; i++)
        {
            if (i is CharTokenizer.PadId or CharTokenizer.BosId || float.IsNaN(logits[i]))
            {
                continue;
            }
            candidates.Add(i);
        }
        if (candidates.Count == 0)
        {
            return CharTokenizer.EosId;
        }

        // Highest logit first; ties broken by the lower id, so the order is fully deterministic.
        var l = logits.ToArray();
        candidates.Sort((a, b) => l[a] != l[b] ? l[b].CompareTo(l[a]) : a.CompareTo(b));

        if (sampling.Temperature <= 0)
        {
            return candidates[0];
        }

        if (sampling.TopK > 0 && sampling.TopK < candidates.Count)
        {
            candidates.RemoveRange(sampling.TopK, candidates.Count - sampling.TopK);
        }

        var max = (double)l[candidates[0]];
        if (double.IsInfinity(max))
        {
            return candidates[0]; // degenerate logits: nothing meaningful to sample from
        }
        var probs = new double[candidates.Count];
        var total = 0.0;
        for (var i = 0; i < probs.Length; i++)
        {
            probs[i] = Math.Exp((l[candidates[i]] - max) / sampling.Temperature);
            total += probs[i];
        }

        var keep = probs.Length;
        if (sampling.TopP > 0 && sampling.TopP < 1)
        {
            // Nucleus: the smallest prefix (in descending probability) whose mass reaches TopP.
            var cumulative = 0.0;
            for (var i = 0; i < probs.Length; i++)
            {
                cumulative += probs[i] / total;
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
            mass += probs[i];
        }
        var u = rng.NextDouble() * mass;
        for (var i = 0; i < keep; i++)
        {
            u -= probs[i];
            if (u < 0)
            {
                return candidates[i];
            }
        }
        return candidates[keep - 1];
    }
}
