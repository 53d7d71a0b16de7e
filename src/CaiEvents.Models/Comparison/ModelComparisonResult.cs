namespace CaiEvents.Models.Comparison;

/// <summary>The outcome of <see cref="ModelComparison.Compare"/>: per prompt and summed up. Serialisable to JSON as it is.</summary>
public sealed record ModelComparisonResult(string ModelA, string ModelB, int GreedyTokens, IReadOnlyList<PromptComparison> Prompts)
{
    /// <summary>The largest logit difference over all prompts.</summary>
    public double MaxAbsLogitDifference => Prompts.Count == 0 ? 0 : Prompts.Max(p => p.MaxAbsLogitDifference);

    public bool AllTokenIdsEqual => Prompts.All(p => p.TokenIdsEqual);

    public bool AllGreedyIdentical => Prompts.All(p => p.GreedyIdentical);

    /// <summary>Greedy tokens that agree (common prefixes) over all greedy tokens generated, in [0, 1].</summary>
    public double GreedyAgreement => Prompts.Count == 0 ? 1 : (double)Prompts.Sum(p => p.GreedyAgreedTokens) / Prompts.Sum(p => p.GreedyTokens);
}
