using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace CaiEvents.Models;

/// <summary>
/// GPT-2's byte-level BPE tokenizer (Microsoft.ML.Tokenizers <see cref="BpeTokenizer"/> in byte-level
/// mode with GPT-2's pre-tokenization regex), read from a Hugging Face <c>vocab.json</c> and
/// <c>merges.txt</c>. Every string encodes (text is turned into UTF-8 bytes first) and decodes back
/// unchanged. <c>&lt;|endoftext|&gt;</c> is the end-of-text, padding and (empty-prompt) start token.
/// </summary>
public sealed partial class Gpt2Tokenizer : ITextTokenizer
{
    public const string EndOfText = "<|endoftext|>";
    public const string VocabFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";

    private readonly BpeTokenizer bpe;

    private Gpt2Tokenizer(string vocabJson, string mergesText, string source)
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(vocabJson)
                ?? throw new CheckpointFormatException(source, null, "vocab.json is empty");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(source, null, $"vocab.json is not a JSON object of token → id ({e.Message})");
        }
        if (!vocab.TryGetValue(EndOfText, out var endOfTextId))
        {
            throw new CheckpointFormatException(source, null, $"vocab.json has no '{EndOfText}' token");
        }
        var missingBytes = ByteToUnicode.Count(c => !vocab.ContainsKey(c.ToString()));
        if (missingBytes > 0)
        {
            throw new CheckpointFormatException(
                source, null, $"vocab.json lacks {missingBytes} of the 256 byte-level tokens, so some text could not be encoded");
        }
        // merges.txt: an optional "#version" line, then one "left right" pair per line, by priority.
        var merges = mergesText.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
            .ToList();
        var special = new Dictionary<string, int> { [EndOfText] = endOfTextId };
        bpe = BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = special,
            PreTokenizer = new RegexPreTokenizer(Gpt2Split(), special),
        });
        VocabJson = vocabJson;
        MergesText = mergesText;
        EndOfTextId = endOfTextId;
        VocabCount = vocab.Values.Max() + 1;
    }

    /// <summary>The vocab.json text this tokenizer was built from (written back unchanged on save).</summary>
    public string VocabJson { get; }

    /// <summary>The merges.txt text this tokenizer was built from.</summary>
    public string MergesText { get; }

    public int EndOfTextId { get; }

    /// <summary>One more than the largest token id: the model must have at least this many embedding rows.</summary>
    public int VocabCount { get; }

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c> from a Hugging Face model directory.</summary>
    public static Gpt2Tokenizer Load(string directory)
    {
        var vocabPath = Path.Combine(directory, VocabFileName);
        var mergesPath = Path.Combine(directory, MergesFileName);
        foreach (var path in new[] { vocabPath, mergesPath })
        {
            if (!File.Exists(path))
            {
                throw new CheckpointFormatException(path, null, "file not found (a GPT-2 directory needs vocab.json and merges.txt)");
            }
        }
        return new Gpt2Tokenizer(File.ReadAllText(vocabPath), File.ReadAllText(mergesPath), vocabPath);
    }

    /// <param name="source">Names the origin in error messages.</param>
    public static Gpt2Tokenizer FromText(string vocabJson, string mergesText, string source = "tokenizer")
        => new(vocabJson, mergesText, source);

    /// <summary>
    /// The byte-level vocabulary with no merges: token id <c>b</c> is byte <c>b</c> (0..255), and
    /// <c>&lt;|endoftext|&gt;</c> is 256. Every UTF-8 byte is one token.
    /// </summary>
    public static Gpt2Tokenizer ByteLevel() => new(ByteLevelVocabJson(), "#version: 0.2\n", "builtin byte-level vocabulary");

    /// <summary>Writes <c>vocab.json</c> and <c>merges.txt</c> into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        var utf8 = new UTF8Encoding(false);
        File.WriteAllText(Path.Combine(directory, VocabFileName), VocabJson, utf8);
        File.WriteAllText(Path.Combine(directory, MergesFileName), MergesText, utf8);
    }

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? [] : bpe.EncodeToIds(text).ToArray();
    }

    /// <summary>Decodes ids to text; <c>&lt;|endoftext|&gt;</c> decodes to its literal text. Bytes that do not form valid UTF-8 decode to U+FFFD.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyCollection<int> ?? ids.ToList();
        foreach (var id in list)
        {
            if (id < 0 || id >= VocabCount)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id must be in [0, {VocabCount}).");
            }
        }
        return list.Count == 0 ? string.Empty : bpe.Decode(list, considerSpecialTokens: true);
    }

    /// <summary>
    /// GPT-2's byte → printable character table: printable Latin-1 bytes stand for themselves, the
    /// others (controls, space, …) are shifted to U+0100 onwards, so every byte is a visible character.
    /// </summary>
    internal static readonly char[] ByteToUnicode = BuildByteToUnicode();

    private static char[] BuildByteToUnicode()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = (char)(printable ? b : next++);
        }
        return table;
    }

    private static string ByteLevelVocabJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            for (var b = 0; b < 256; b++)
            {
                json.WriteNumber(ByteToUnicode[b].ToString(), b);
            }
            json.WriteNumber(EndOfText, 256);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>GPT-2's pre-tokenization: contractions, letters, digits, other symbols (each with one optional leading space), whitespace.</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Split();
}
