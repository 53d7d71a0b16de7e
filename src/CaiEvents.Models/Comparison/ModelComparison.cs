namespace CaiEvents.Models.Comparison;

/// <summary>
/// Compares two implementations of the same weights (e.g. TorchSharp and llama.cpp): per prompt, whether their
/// tokenizers agree, the largest logit difference at any position when both run on the same ids, and how far their
/// greedy continuations agree.
/// </summary>
public static class ModelComparison
{
    public const int DefaultGreedyTokens = 64;

    /// <summary>Compares <paramref name="a"/> and <paramref name="b"/> on every prompt; both are fed model A's ids.</summary>
    public static ModelComparisonResult Compare(
        IModelProbe a, IModelProbe b, IReadOnlyList<string> prompts, int greedyTokens = DefaultGreedyTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfNegative(greedyTokens);
        var results = new List<PromptComparison>(prompts.Count);
        foreach (var prompt in prompts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(ComparePrompt(a, b, prompt ?? throw new ArgumentNullException(nameof(prompts)), greedyTokens));
        }
        return new ModelComparisonResult(a.Name, b.Name, greedyTokens, results);
    }

    /// <summary>max |x − y| over the first <paramref name="width"/> columns of every row; NaN anywhere gives NaN.</summary>
    public static double MaxAbsDifference(float[][] x, float[][] y, int width)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Row counts differ: {x.Length} and {y.Length}.");
        }
        var max = 0.0;
        for (var r = 0; r < x.Length; r++)
        {
            for (var c = 0; c < width; c++)
            {
                var d = Math.Abs((double)x[r][c] - y[r][c]);
                if (double.IsNaN(d))
                {
                    return double.NaN;
                }
                max = Math.Max(max, d);
            }
        }
        return max;
    }

    private static PromptComparison ComparePrompt(IModelProbe a, IModelProbe b, string prompt, int greedyTokens)
    {
        var idsA = a.Tokenize(prompt);
        var idsB = b.Tokenize(prompt);
        List<int> input = a.BeginOfTextId is { } bos ? [bos, .. idsA] : [.. idsA];
        if (input.Count == 0)
        {
            throw new ArgumentException("A compared prompt needs at least one token (an empty prompt without bos has none).");
        }
        var logitsA = a.Logits(input);
        var logitsB = b.Logits(input);
        var width = Math.Min(logitsA.Length > 0 ? logitsA[0].Length : 0, logitsB.Length > 0 ? logitsB[0].Length : 0);
        var greedyA = a.GreedyContinuation(input, greedyTokens);
        var greedyB = b.GreedyContinuation(input, greedyTokens);
        var agreed = 0;
        while (agreed < greedyTokens && greedyA[agreed] == greedyB[agreed])
        {
            agreed++;
        }
        return new PromptComparison(prompt, idsA.SequenceEqual(idsB), idsA, idsB, input, MaxAbsDifference(logitsA, logitsB, width), width,
            greedyTokens, agreed, greedyA, greedyB);
    }
}
