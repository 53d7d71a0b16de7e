namespace CaiEvents.Models.Tokenization;

/// <summary>Settings for <see cref="BpeTrainer.Train"/>.</summary>
/// <param name="VocabSize">Final vocabulary size, counting the 256 byte tokens and the special tokens.</param>
/// <param name="MinPairCount">Stop early when the most frequent pair occurs fewer times than this.</param>
/// <param name="SpecialTokens">Appended after the merged tokens, in this order; null means just <c>&lt;|endoftext|&gt;</c>.</param>
public sealed record BpeTrainerOptions(int VocabSize = 2048, int MinPairCount = 2, IReadOnlyList<string>? SpecialTokens = null);
