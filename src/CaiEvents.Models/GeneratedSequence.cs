namespace CaiEvents.Models;

/// <summary>
/// One generated row at token level. <see cref="TokenLogProbs"/>[i] is log_softmax of the model's
/// (untempered) logits at the step that produced <see cref="TokenIds"/>[i] — what a policy-gradient
/// trainer needs as "old log-probs". An end-of-text token, if produced, is the last id.
/// </summary>
public sealed record GeneratedSequence(
    IReadOnlyList<int> PromptIds,
    IReadOnlyList<int> TokenIds,
    IReadOnlyList<double> TokenLogProbs,
    string Text,
    GenerationStop Stop);
