namespace CaiEvents.Domain.Rl;

/// <summary>
/// Which prompts a PPO step uses: the prompt set is walked in seeded permutations (a fresh one per pass over it),
/// <c>perStep</c> prompts at a time. A pure function of (count, perStep, seed, step), so a job resumed at step N
/// draws exactly the prompts an uninterrupted job would; its position after step N is N × perStep.
/// </summary>
public static class PromptSampler
{
    public static IReadOnlyList<int> Indices(int count, int perStep, long seed, int step)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "the prompt set is empty");
        if (perStep < 1) throw new ArgumentOutOfRangeException(nameof(perStep), "at least one prompt per step");
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step));
        var result = new int[perStep];
        int[]? order = null;
        var pass = -1L;
        for (var i = 0; i < perStep; i++)
        {
            var position = Position(step, perStep) + i;
            var p = position / count;
            if (p != pass)
            {
                pass = p;
                order = Permutation(count, seed, p);
            }
            result[i] = order![(int)(position % count)];
        }
        return result;
    }

    /// <summary>Prompts drawn before step <paramref name="step"/> (0-based): the sampler's cursor.</summary>
    public static long Position(int step, int perStep) => (long)step * perStep;

    private static int[] Permutation(int count, long seed, long pass)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)(seed * 7919 + pass))).Shuffle(order);
        return order;
    }
}
