using System.Text;

namespace CaiEvents.Models.Tokenization;

/// <summary>
/// The model vocabulary, merges and added tokens that <see cref="TokenizerFiles"/> writes: byte-level (GPT-2, Llama 3, Qwen2) or
/// SentencePiece-like (Llama 2, Mistral, TinyLlama: '▁' for spaces, characters as base tokens, <c>&lt;0xNN&gt;</c> byte fallback).
/// </summary>
/// <param name="ModelTokens">Tokens of <c>model.vocab</c> with their ids, in id order.</param>
/// <param name="Merges">BPE merges, highest priority first.</param>
/// <param name="Added">Special tokens with their ids, in id order.</param>
internal sealed record TokenizerVocabulary(
    IReadOnlyList<(string Token, int Id)> ModelTokens,
    IReadOnlyList<(string Left, string Right)> Merges,
    IReadOnlyList<(string Token, int Id)> Added)
{
    /// <summary>SentencePiece's stand-in for a space.</summary>
    public const char SpaceMark = '\u2581';

    public int IdOf(string token) => Added.Concat(ModelTokens).First(t => t.Token == token).Id;

    /// <summary>
    /// A byte-level vocabulary: the trainer's 256 byte tokens and merged tokens, then <paramref name="specials"/>. Llama 3 and Qwen2 keep
    /// their added tokens out of <c>model.vocab</c>; GPT-2 keeps its <c>&lt;|endoftext|&gt;</c> in both.
    /// </summary>
    public static TokenizerVocabulary ByteLevelBpe(IReadOnlyList<string> trainingLines, int vocabSize, IReadOnlyList<string> specials,
        bool specialsInModelVocab)
    {
        var trained = BpeTrainer.Train(trainingLines, new BpeTrainerOptions(vocabSize, SpecialTokens: specials));
        var model = new List<(string, int)>();
        var added = new List<(string, int)>();
        for (int id = 0; id < trained.VocabSize; id++)
        {
            string token = trained.IdToToken(id);
            if (trained.IsSpecial(id)) added.Add((token, id));
            if (!trained.IsSpecial(id) || specialsInModelVocab) model.Add((token, id));
        }
        return new TokenizerVocabulary(model, trained.Merges, added);
    }

    /// <summary>
    /// A SentencePiece-like vocabulary: <paramref name="specials"/> first, the 256 byte-fallback tokens <c>&lt;0x00&gt;</c>…<c>&lt;0xFF&gt;</c>,
    /// the characters of the training text (spaces as '▁'), then merged tokens. The merges are learned by <see cref="BpeTrainer"/> on the same
    /// text (its GPT-2 pieces carry a leading space, as SentencePiece pieces carry a leading '▁') and rewritten with '▁' for spaces.
    /// </summary>
    public static TokenizerVocabulary SentencePieceBpe(IReadOnlyList<string> trainingLines, int vocabSize, IReadOnlyList<string> specials)
    {
        var characters = trainingLines.SelectMany(line => line).Select(c => Mark(c.ToString())).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToArray();
        if (characters.Any(c => c[0] > 0x7F && c[0] != SpaceMark))
        {
            throw new InvalidOperationException("The SentencePiece-style writer expects ASCII training text.");
        }
        int mergeCount = vocabSize - specials.Count - 256 - characters.Length;
        if (mergeCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize,
                "Vocabulary size must cover the special tokens, the 256 byte tokens and the characters of the training text.");
        }
        // One placeholder special keeps the trainer's own default out of the way; it is dropped below.
        var trained = BpeTrainer.Train(trainingLines, new BpeTrainerOptions(256 + mergeCount + 1, SpecialTokens: ["<placeholder>"]));

        var model = new List<(string, int)>();
        foreach (string special in specials) model.Add((special, model.Count));
        for (int b = 0; b < 256; b++) model.Add(($"<0x{b:X2}>", model.Count));
        foreach (string c in characters) model.Add((c, model.Count));
        var merges = new List<(string, string)>();
        foreach (var (left, right) in trained.Merges)
        {
            string l = FromByteLevel(left), r = FromByteLevel(right);
            merges.Add((l, r));
            model.Add((l + r, model.Count));
        }
        return new TokenizerVocabulary(model, merges, model.Take(specials.Count).ToArray());

        static string FromByteLevel(string token) => Mark(Encoding.UTF8.GetString(ByteLevel.FromByteLevel(token)));
    }

    private static string Mark(string text) => text.Replace(' ', SpaceMark);
}
