namespace CaiEvents.Models.Remote;

/// <summary>
/// Options to score as they appear in top log-probabilities: the text every option starts with (e.g. <c>" ("</c> for
/// <c>" (A)"</c> and <c>" (B)"</c>) and each option's key (<c>"A"</c>, <c>"B"</c>), in the continuations' order.
/// </summary>
/// <param name="Prefix">The longest text before the key that all options share; the assistant prefill can end with it.</param>
/// <param name="Keys">The option keys, one per continuation, distinct and non-empty.</param>
public sealed record OptionKeys(string Prefix, IReadOnlyList<string> Keys);
