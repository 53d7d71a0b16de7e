using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenizers.DotNet;

namespace CaiEvents.Models.Tokenization;

/// <summary>
/// A Hugging Face tokenizer read from a checkpoint directory (<c>tokenizer.json</c>, <c>tokenizer_config.json</c> and, when present,
/// <c>generation_config.json</c>). Encoding and decoding run in the Hugging Face tokenizers library itself (Rust, through
/// Tokenizers.DotNet), so ids equal those of <c>tokenizer.encode(text, add_special_tokens=False)</c> in transformers: added tokens
/// written in the text map to their ids, and nothing is put around the text. Thread-safe; dispose it to free the native tokenizer.
/// </summary>
public sealed class HfTokenizer : ITextTokenizer, IDisposable
{
    public const string TokenizerJsonFileName = "tokenizer.json";
    public const string GenerationConfigFileName = "generation_config.json";

    private readonly Tokenizer native;
    private readonly Lock gate = new();
    private readonly Dictionary<string, int> tokenIds;
    private readonly IReadOnlyDictionary<string, byte[]> sourceFiles;

    /// <summary>The files a checkpoint's tokenizer consists of; <see cref="Save"/> writes back the ones that were there.</summary>
    private static readonly string[] FileNames = [TokenizerJsonFileName, HfTokenizerConfig.FileName, "special_tokens_map.json"];

    private HfTokenizer(Tokenizer native, Dictionary<string, int> tokenIds, HfTokenizerConfig config, IReadOnlyList<HfAddedToken> addedTokens,
        int endOfTextId, int padId, int? beginOfTextId, IReadOnlySet<int> stopIds, IReadOnlyDictionary<string, byte[]> sourceFiles)
    {
        this.native = native;
        this.sourceFiles = sourceFiles;
        this.tokenIds = tokenIds;
        Config = config;
        AddedTokens = addedTokens;
        EndOfTextId = endOfTextId;
        PadId = padId;
        BeginOfTextId = beginOfTextId;
        StopIds = stopIds;
        VocabCount = tokenIds.Values.Max() + 1;
    }

    /// <summary>What <c>tokenizer_config.json</c> says, including the raw chat template.</summary>
    public HfTokenizerConfig Config { get; }

    /// <summary>The <c>added_tokens</c> of <c>tokenizer.json</c>, by id.</summary>
    public IReadOnlyList<HfAddedToken> AddedTokens { get; }

    /// <summary>The id of <c>eos_token</c> (or, without one, the first eos id of <c>generation_config.json</c>).</summary>
    public int EndOfTextId { get; }

    /// <summary>The id of <c>pad_token</c>, or <see cref="EndOfTextId"/> when there is none.</summary>
    public int PadId { get; }

    /// <summary>
    /// The bos id when the tokenizer puts one in front of a text: <c>add_bos_token</c> when the config sets it, else whether the
    /// <c>post_processor</c> starts a single sequence with a special token (Llama 3's TemplateProcessing); null otherwise.
    /// </summary>
    public int? BeginOfTextId { get; }

    /// <summary><see cref="EndOfTextId"/> and every <c>eos_token_id</c> of <c>generation_config.json</c>.</summary>
    public IReadOnlySet<int> StopIds { get; }

    public int VocabCount { get; }

    /// <summary>The id of a token's text (model vocabulary or added token); null when the tokenizer has no such token.</summary>
    public int? TokenToId(string token) => tokenIds.TryGetValue(token, out int id) ? id : null;

    /// <summary>Loads the tokenizer of a Hugging Face checkpoint directory.</summary>
    public static HfTokenizer Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new CheckpointFormatException(directory, null, "directory not found");
        string jsonPath = Path.Combine(directory, TokenizerJsonFileName);
        string configPath = Path.Combine(directory, HfTokenizerConfig.FileName);
        if (!File.Exists(jsonPath))
        {
            throw new CheckpointFormatException(jsonPath, null, "file not found (a Hugging Face tokenizer needs tokenizer.json and tokenizer_config.json)");
        }
        var config = HfTokenizerConfig.Load(directory);

        Dictionary<string, int> tokenIds;
        IReadOnlyList<HfAddedToken> addedTokens;
        int? templateBos;
        string forTheWrapper;
        using (var document = HfJson.ReadObject(jsonPath))
        {
            var root = document.RootElement;
            addedTokens = ReadAddedTokens(root, jsonPath);
            tokenIds = ReadModelVocabulary(root, jsonPath);
            foreach (var added in addedTokens) tokenIds[added.Content] = added.Id;
            templateBos = LeadingSpecialToken(root, tokenIds);
            forTheWrapper = ForTheWrapper(root);
        }

        int? IdOf(string? token, string field) => token is null ? null
            : tokenIds.TryGetValue(token, out int id) ? id
            : throw HfJson.Bad(configPath, field, $"names '{token}', which is not a token of tokenizer.json");

        var generationEos = ReadGenerationEosIds(Path.Combine(directory, GenerationConfigFileName));
        int eos = IdOf(config.EosToken, "eos_token") ?? (generationEos.Count > 0 ? generationEos[0]
            : throw HfJson.Bad(configPath, "eos_token", "is missing (and generation_config.json names no eos_token_id)"));
        int pad = IdOf(config.PadToken, "pad_token") ?? eos;
        int? bosId = IdOf(config.BosToken, "bos_token");
        int? beginOfText = config.AddBosToken switch
        {
            true => bosId ?? throw HfJson.Bad(configPath, "bos_token", "is missing although add_bos_token is true"),
            false => null,
            null => templateBos,
        };
        var stops = new HashSet<int>(generationEos) { eos };

        var files = FileNames.Select(name => Path.Combine(directory, name)).Where(File.Exists)
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllBytes, StringComparer.Ordinal);
        return new HfTokenizer(LoadNative(forTheWrapper, jsonPath), tokenIds, config, addedTokens, eos, pad, beginOfText, stops, files);
    }

    /// <summary>
    /// Writes the tokenizer files this tokenizer was loaded from, byte for byte, into <paramref name="directory"/> (a fine-tuned
    /// checkpoint keeps its base's tokenizer). <c>generation_config.json</c> belongs to the weights' side and is not written here.
    /// </summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        foreach (var (name, bytes) in sourceFiles)
        {
            AtomicWrite(Path.Combine(directory, name), bytes);
        }
    }

    private static void AtomicWrite(string path, byte[] bytes)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Ids of <paramref name="text"/>; added tokens written in it map to their ids, and no special token is added.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return [];
        uint[] ids;
        lock (gate) ids = native.Encode(text);
        return Array.ConvertAll(ids, id => (int)id);
    }

    /// <summary>Decodes ids with the tokenizer's decoder; special tokens decode to their text, as transformers' default does.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids.ToArray();
        foreach (int id in list)
        {
            if (id < 0 || id >= VocabCount) throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id must be in [0, {VocabCount}).");
        }
        if (list.Length == 0) return string.Empty;
        uint[] native32 = Array.ConvertAll(list, id => (uint)id);
        lock (gate) return native.Decode(native32);
    }

    public void Dispose() => native.Dispose();

    private static IReadOnlyList<HfAddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        if (HfJson.Optional(root, "added_tokens") is not { } list) return [];
        if (list.ValueKind != JsonValueKind.Array) throw HfJson.Bad(path, "added_tokens", "must be a list");
        var tokens = new List<HfAddedToken>();
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || HfJson.OptionalString(entry, "content", path) is not { } content)
            {
                throw HfJson.Bad(path, "added_tokens", "has an entry without a string 'content'");
            }
            int id = HfJson.RequiredInt(entry, "id", path, "added_tokens");
            tokens.Add(new HfAddedToken(id, content, HfJson.OptionalBool(entry, "special", path) ?? false));
        }
        return tokens.OrderBy(t => t.Id).ToArray();
    }

    // BPE and WordPiece keep {token: id}; Unigram keeps [[piece, score], ...] where the id is the position.
    private static Dictionary<string, int> ReadModelVocabulary(JsonElement root, string path)
    {
        if (HfJson.Optional(root, "model") is not { ValueKind: JsonValueKind.Object } model)
        {
            throw HfJson.Bad(path, "model", "is missing or not an object");
        }
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        switch (HfJson.Optional(model, "vocab"))
        {
            case { ValueKind: JsonValueKind.Object } vocab:
                foreach (var entry in vocab.EnumerateObject())
                {
                    if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                    {
                        throw HfJson.Bad(path, "model.vocab", $"gives token '{entry.Name}' an id that is not a non-negative integer");
                    }
                    ids[entry.Name] = id;
                }
                break;
            case { ValueKind: JsonValueKind.Array } pieces:
                int position = 0;
                foreach (var piece in pieces.EnumerateArray())
                {
                    if (piece.ValueKind != JsonValueKind.Array || piece.GetArrayLength() == 0 || piece[0].ValueKind != JsonValueKind.String)
                    {
                        throw HfJson.Bad(path, "model.vocab", "has an entry that is not [piece, score]");
                    }
                    ids.TryAdd(piece[0].GetString()!, position++);
                }
                break;
            default:
                throw HfJson.Bad(path, "model.vocab", "is missing or neither an object nor a list");
        }
        if (ids.Count == 0) throw HfJson.Bad(path, "model.vocab", "is empty");
        return ids;
    }

    // The special token a post-processor puts first in a single sequence: TemplateProcessing's leading SpecialToken (inside a
    // Sequence too, as Llama 3 has it), or BERT/RoBERTa's cls.
    private static int? LeadingSpecialToken(JsonElement root, IReadOnlyDictionary<string, int> tokenIds)
    {
        return HfJson.Optional(root, "post_processor") is { ValueKind: JsonValueKind.Object } processor ? Leading(processor) : null;

        int? Leading(JsonElement processor)
        {
            string? type = processor.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            switch (type)
            {
                case "Sequence" when processor.TryGetProperty("processors", out var list) && list.ValueKind == JsonValueKind.Array:
                    return list.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object).Select(Leading).FirstOrDefault(id => id is not null);
                case "TemplateProcessing" when processor.TryGetProperty("single", out var single) && single.ValueKind == JsonValueKind.Array
                    && single.GetArrayLength() > 0 && single[0].ValueKind == JsonValueKind.Object
                    && single[0].TryGetProperty("SpecialToken", out var special) && special.TryGetProperty("id", out var name):
                    string token = name.GetString() ?? "";
                    if (processor.TryGetProperty("special_tokens", out var map) && map.ValueKind == JsonValueKind.Object
                        && map.TryGetProperty(token, out var entry) && entry.TryGetProperty("ids", out var ids)
                        && ids.ValueKind == JsonValueKind.Array && ids.GetArrayLength() > 0 && ids[0].TryGetInt32(out int first))
                    {
                        return first;
                    }
                    return tokenIds.TryGetValue(token, out int byName) ? byName : null;
                case "BertProcessing" or "RobertaProcessing" when processor.TryGetProperty("cls", out var cls)
                    && cls.ValueKind == JsonValueKind.Array && cls.GetArrayLength() == 2 && cls[1].TryGetInt32(out int clsId):
                    return clsId;
                default:
                    return null;
            }
        }
    }

    // The wrapper's Encode asks for special tokens and its Decode skips them. Only the post-processor adds special tokens
    // (ByteLevel post-processing changes offsets, never ids), so without it Encode is encode(text, add_special_tokens=False).
    // Added tokens marked non-special are still matched in text exactly as before (matching follows their 'normalized' flag),
    // but Decode keeps them, as transformers' decode(ids) does by default.
    private static string ForTheWrapper(JsonElement root)
    {
        var node = JsonNode.Parse(root.GetRawText())!.AsObject();
        node["post_processor"] = null;
        if (node["added_tokens"] is JsonArray added)
        {
            foreach (var token in added.OfType<JsonObject>())
            {
                token["special"] = false;
            }
        }
        return node.ToJsonString();
    }

    private static Tokenizer LoadNative(string tokenizerJson, string sourcePath)
    {
        // The wrapper reads from a path only.
        string temp = Path.Combine(Path.GetTempPath(), $"cai-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(temp, tokenizerJson);
            return new Tokenizer(temp);
        }
        catch (TokenizerException e)
        {
            throw new CheckpointFormatException(sourcePath, null, $"the Hugging Face tokenizers library cannot load it ({e.Message})");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static List<int> ReadGenerationEosIds(string path)
    {
        if (!File.Exists(path)) return [];
        using var document = HfJson.ReadObject(path);
        switch (HfJson.Optional(document.RootElement, "eos_token_id"))
        {
            case null:
                return [];
            case { ValueKind: JsonValueKind.Number } one when one.TryGetInt32(out int id) && id >= 0:
                return [id];
            case { ValueKind: JsonValueKind.Array } list
                when list.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) && i >= 0):
                return list.EnumerateArray().Select(e => e.GetInt32()).ToList();
            default:
                throw HfJson.Bad(path, "eos_token_id", "must be a token id or a list of token ids");
        }
    }
}
