namespace CaiEvents.Models.Gguf;

/// <summary>
/// llama.cpp's names (<c>tokenizer.ggml.pre</c>) for the byte-level BPE pre-tokenizers this converter recognises,
/// keyed by the public split regex each family's <c>tokenizer.json</c> carries.
/// </summary>
public static class ByteLevelPreTokenizerNames
{
    /// <summary>GPT-2's regex (the one ByteLevel applies itself when <c>use_regex</c> is true).</summary>
    public const string Gpt2Regex = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Llama 3's Split regex: case-insensitive contractions, digits in runs of up to three.</summary>
    public const string Llama3Regex =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's Split regex: as Llama 3's but every digit on its own.</summary>
    public const string Qwen2Regex =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>llama.cpp spells GPT-2's with a hyphen ("gpt2" is refused as unknown).</summary>
    public const string Gpt2 = "gpt-2";
    public const string Llama3 = "llama-bpe";
    public const string Qwen2 = "qwen2";

    private static readonly IReadOnlyDictionary<string, string> ByRegex = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Gpt2Regex] = Gpt2,
        [Llama3Regex] = Llama3,
        [Qwen2Regex] = Qwen2,
    };

    /// <summary>The llama.cpp name of a split regex, or null when it is none of the known ones.</summary>
    public static string? ForRegex(string regex) => ByRegex.GetValueOrDefault(regex);
}
