namespace CaiEvents.Models.Comparison;

/// <summary>How two implementations agree on one prompt.</summary>
/// <param name="TokenIdsEqual">Both tokenizers gave the same ids for the prompt text.</param>
/// <param name="InputIds">The ids both models were run on: model A's bos (if it adds one) and model A's tokens.</param>
/// <param name="MaxAbsLogitDifference">max |logit_A − logit_B| over every position of <paramref name="InputIds"/> and compared vocabulary entry.</param>
/// <param name="ComparedVocabulary">Logit columns compared: the smaller of the two logit widths.</param>
/// <param name="GreedyAgreedTokens">Length of the common prefix of the two greedy continuations.</param>
public sealed record PromptComparison(
    string Prompt,
    bool TokenIdsEqual,
    IReadOnlyList<int> TokenIdsA,
    IReadOnlyList<int> TokenIdsB,
    IReadOnlyList<int> InputIds,
    double MaxAbsLogitDifference,
    int ComparedVocabulary,
    int GreedyTokens,
    int GreedyAgreedTokens,
    IReadOnlyList<int> GreedyA,
    IReadOnlyList<int> GreedyB)
{
    public bool GreedyIdentical => GreedyAgreedTokens == GreedyTokens;
}
