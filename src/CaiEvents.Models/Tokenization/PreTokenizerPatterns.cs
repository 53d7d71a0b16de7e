namespace CaiEvents.Models.Tokenization;

/// <summary>
/// The pre-tokenisation regexes of the byte-level BPE families, exactly as their <c>tokenizer.json</c> files carry them
/// (GGUF conversion maps these strings to llama.cpp's <c>tokenizer.ggml.pre</c> names, so they must stay byte for byte).
/// </summary>
public static class PreTokenizerPatterns
{
    /// <summary>
    /// GPT-2's pattern, the one a <c>ByteLevel</c> pre-tokenizer with <c>use_regex: true</c> applies (llama.cpp: "gpt2"):
    /// contractions, an optional space before a run of letters, digits or other symbols, then whitespace.
    /// </summary>
    public const string Gpt2 = ByteLevel.Gpt2Pattern;

    /// <summary>
    /// Llama 3's <c>Split</c> pattern (llama.cpp: "llama-bpe"): case-insensitive contractions, a word with at most one
    /// leading non-letter, digits in groups of up to three, symbols with their trailing newlines, and whitespace.
    /// </summary>
    public const string Llama3 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's <c>Split</c> pattern (llama.cpp: "qwen2"): Llama 3's, except that every digit is its own piece.</summary>
    public const string Qwen2 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
}
