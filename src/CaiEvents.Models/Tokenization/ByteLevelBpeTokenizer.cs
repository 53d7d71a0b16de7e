using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CaiEvents.Models.Tokenization;

/// <summary>
/// A GPT-2 style byte-level BPE tokenizer: text is split with <see cref="ByteLevel.Gpt2Pattern"/>, each piece is
/// turned into its UTF-8 bytes (written as byte-level characters), and merges are applied lowest rank first.
/// Every string encodes (there is no unknown token) and decodes back exactly. Special tokens (by default
/// <see cref="ByteLevel.EndOfText"/>) are matched in the text before pre-tokenisation and map to their own id.
/// Reads and writes the usual <c>vocab.json</c> (token → id) and <c>merges.txt</c> (<c>#version: 0.2</c>, then
/// one space-separated pair per line, highest priority first). Thread-safe.
/// </summary>
public sealed class ByteLevelBpeTokenizer
{
    public const string VocabFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";
    public const string MergesHeader = "#version: 0.2";

    private readonly Dictionary<string, int> vocab;
    private readonly string[] idToToken;
    private readonly (string Left, string Right)[] merges;
    private readonly Dictionary<long, (int Rank, int Merged)> mergeRanks;
    private readonly int[] byteIds = new int[256];
    private readonly string[] specials;
    private readonly HashSet<int> specialIds;
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private const int MaxCacheEntries = 200_000;

    /// <summary>
    /// Builds a tokenizer from a vocabulary and an ordered merge list. The vocabulary must contain all 256
    /// byte-level characters, every merge's two parts and their concatenation, and each special token.
    /// </summary>
    public ByteLevelBpeTokenizer(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> mergeList,
        IReadOnlyList<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(mergeList);
        vocab = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        int maxId = -1;
        foreach (int id in vocab.Values)
        {
            if (id < 0) throw new ArgumentException("Token ids must be non-negative.", nameof(vocabulary));
            maxId = Math.Max(maxId, id);
        }
        idToToken = new string[maxId + 1];
        foreach (var (token, id) in vocab)
        {
            if (idToToken[id] is not null) throw new ArgumentException($"Id {id} is used by two tokens.", nameof(vocabulary));
            idToToken[id] = token;
        }

        for (int b = 0; b < 256; b++)
        {
            string c = ByteLevel.ByteToChar((byte)b).ToString();
            if (!vocab.TryGetValue(c, out byteIds[b]))
            {
                throw new ArgumentException($"The vocabulary lacks the byte-level token for byte {b} ('{c}').", nameof(vocabulary));
            }
        }

        merges = mergeList.ToArray();
        mergeRanks = new Dictionary<long, (int, int)>(merges.Length);
        for (int rank = 0; rank < merges.Length; rank++)
        {
            var (l, r) = merges[rank];
            if (!vocab.TryGetValue(l, out int li) || !vocab.TryGetValue(r, out int ri) || !vocab.TryGetValue(l + r, out int mi))
            {
                throw new ArgumentException($"Merge {rank} ('{l} {r}') uses or makes a token missing from the vocabulary.", nameof(mergeList));
            }
            mergeRanks.TryAdd(Key(li, ri), (rank, mi));
        }

        specials = (specialTokens ?? [ByteLevel.EndOfText]).Where(vocab.ContainsKey).Distinct(StringComparer.Ordinal).ToArray();
        specialIds = specials.Select(s => vocab[s]).ToHashSet();
    }

    public int VocabSize => idToToken.Length;

    /// <summary>The id of <see cref="ByteLevel.EndOfText"/>; throws if the vocabulary has none.</summary>
    public int EndOfTextId => vocab.TryGetValue(ByteLevel.EndOfText, out int id)
        ? id : throw new InvalidOperationException("This vocabulary has no " + ByteLevel.EndOfText + " token.");

    public IReadOnlyDictionary<string, int> Vocabulary => vocab;

    public IReadOnlyList<(string Left, string Right)> Merges => merges;

    public IReadOnlyList<string> SpecialTokens => specials;

    public bool IsSpecial(int id) => specialIds.Contains(id);

    /// <summary>The vocabulary entry (byte-level characters, or a special token's text) for an id.</summary>
    public string IdToToken(int id)
    {
        if ((uint)id >= (uint)idToToken.Length || idToToken[id] is null)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, "Not a token id of this vocabulary.");
        }
        return idToToken[id];
    }

    /// <summary>Encodes text; special tokens written in the text become their ids.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        foreach (var (piece, isSpecial) in ByteLevel.SplitSpecial(text, specials))
        {
            if (isSpecial)
            {
                ids.Add(vocab[piece]);
                continue;
            }
            foreach (string word in ByteLevel.PreTokenize(piece))
            {
                ids.AddRange(EncodeWord(word));
            }
        }
        return ids.ToArray();
    }

    /// <summary>Decodes ids back to text. Special tokens are written out as their text unless <paramref name="skipSpecial"/>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var sb = new StringBuilder();
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            string token = IdToToken(id);
            if (specialIds.Contains(id))
            {
                Flush();
                if (!skipSpecial) sb.Append(token);
                continue;
            }
            foreach (char c in token)
            {
                if (!ByteLevel.TryCharToByte(c, out byte b))
                {
                    throw new InvalidOperationException($"Token {id} holds a character that is not byte-level.");
                }
                bytes.Add(b);
            }
        }
        Flush();
        return sb.ToString();

        void Flush()
        {
            if (bytes.Count == 0) return;
            sb.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
    }

    /// <summary>Writes <c>vocab.json</c> and <c>merges.txt</c> into <paramref name="directory"/> (created if needed).</summary>
    public void Save(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, VocabFileName), VocabJson(), new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(directory, MergesFileName), MergesText(), new UTF8Encoding(false));
    }

    /// <summary>The vocabulary as a JSON object, entries in id order.</summary>
    public string VocabJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            for (int id = 0; id < idToToken.Length; id++)
            {
                if (idToToken[id] is { } t) w.WriteNumber(t, id);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>The merge list in GPT-2's text format.</summary>
    public string MergesText()
    {
        var sb = new StringBuilder(MergesHeader).Append('\n');
        foreach (var (l, r) in merges) sb.Append(l).Append(' ').Append(r).Append('\n');
        return sb.ToString();
    }

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c> from a directory written by <see cref="Save"/>.</summary>
    public static ByteLevelBpeTokenizer Load(string directory) =>
        Load(Path.Combine(directory, VocabFileName), Path.Combine(directory, MergesFileName));

    public static ByteLevelBpeTokenizer Load(string vocabPath, string mergesPath, IReadOnlyList<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(vocabPath);
        ArgumentNullException.ThrowIfNull(mergesPath);
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath, Encoding.UTF8))
            ?? throw new InvalidDataException(vocabPath + ": expected a JSON object of token ids.");
        var mergeList = new List<(string, string)>();
        int lineNo = 0;
        foreach (string raw in File.ReadLines(mergesPath, Encoding.UTF8))
        {
            lineNo++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || (lineNo == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
            {
                throw new InvalidDataException($"{mergesPath}:{lineNo}: expected two tokens separated by one space.");
            }
            mergeList.Add((line[..space], line[(space + 1)..]));
        }
        return new ByteLevelBpeTokenizer(vocabulary, mergeList, specialTokens);
    }

    private int[] EncodeWord(string word)
    {
        if (cache.TryGetValue(word, out int[]? hit)) return hit;

        byte[] bytes = Encoding.UTF8.GetBytes(word);
        var symbols = new List<int>(bytes.Length);
        foreach (byte b in bytes) symbols.Add(byteIds[b]);

        while (symbols.Count > 1)
        {
            int bestRank = int.MaxValue, bestMerged = -1;
            long bestKey = 0;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (mergeRanks.TryGetValue(Key(symbols[i], symbols[i + 1]), out var m) && m.Rank < bestRank)
                {
                    bestRank = m.Rank;
                    bestMerged = m.Merged;
                    bestKey = Key(symbols[i], symbols[i + 1]);
                }
            }
            if (bestMerged < 0) break;

            var next = new List<int>(symbols.Count);
            for (int i = 0; i < symbols.Count; i++)
            {
                if (i + 1 < symbols.Count && Key(symbols[i], symbols[i + 1]) == bestKey)
                {
                    next.Add(bestMerged);
                    i++;
                }
                else
                {
                    next.Add(symbols[i]);
                }
            }
            symbols = next;
        }

        int[] result = symbols.ToArray();
        if (cache.Count >= MaxCacheEntries) cache.Clear();
        cache.TryAdd(word, result);
        return result;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
