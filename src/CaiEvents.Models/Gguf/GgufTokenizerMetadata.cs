using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaiEvents.Models.Gguf;

/// <summary>
/// The <c>tokenizer.*</c> metadata of a converted file, read from a Hugging Face directory: <c>tokenizer.json</c>
/// (byte-level BPE: vocab, merges, added tokens, pre-tokenizer) or GPT-2's <c>vocab.json</c> + <c>merges.txt</c>,
/// with <c>tokenizer_config.json</c> for special tokens, <c>add_bos_token</c> and the chat template.
/// </summary>
/// <param name="Tokens">Exactly the model's vocab_size entries; ids the tokenizer does not use hold placeholders.</param>
public sealed record GgufTokenizerMetadata(
    string Pre,
    IReadOnlyList<string> Tokens,
    IReadOnlyList<GgufTokenType> TokenTypes,
    IReadOnlyList<string> Merges,
    int? BosId,
    int? EosId,
    int? PaddingId,
    bool AddBos,
    string? ChatTemplate)
{
    public const string TokenizerJsonFileName = "tokenizer.json";
    public const string TokenizerConfigFileName = "tokenizer_config.json";
    public const string ChatTemplateFileName = "chat_template.jinja";

    /// <param name="config">The model's <c>config.json</c>, for bos/eos ids the tokenizer files do not name.</param>
    /// <exception cref="CheckpointFormatException">Missing files, a tokenizer that is not byte-level BPE, an unknown pre-tokenizer.</exception>
    public static GgufTokenizerMetadata Read(string directory, int vocabSize, JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tokenizerConfig = ReadJsonObject(Path.Combine(directory, TokenizerConfigFileName), required: false) ?? new JsonObject();
        var tokenizerJsonPath = Path.Combine(directory, TokenizerJsonFileName);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var special = new HashSet<string>(StringComparer.Ordinal);
        var userDefined = new HashSet<string>(StringComparer.Ordinal);
        List<string> merges;
        string pre;
        bool? addBosFromPostProcessor = null;
        if (File.Exists(tokenizerJsonPath))
        {
            var root = ReadJsonObject(tokenizerJsonPath, required: true)!;
            var model = root["model"] as JsonObject ?? throw Bad(tokenizerJsonPath, "has no 'model' object");
            if ((string?)model["type"] != "BPE" || model["byte_fallback"]?.GetValue<bool>() == true)
            {
                throw Bad(tokenizerJsonPath, $"model type '{model["type"]}' is not a byte-level BPE (only byte-level BPE converts here)");
            }
            foreach (var (token, id) in model["vocab"] as JsonObject ?? throw Bad(tokenizerJsonPath, "model has no 'vocab' object"))
            {
                vocab[token] = id!.GetValue<int>();
            }
            merges = (model["merges"] as JsonArray ?? []).Select(m => m is JsonArray pair
                ? $"{(string?)pair[0]} {(string?)pair[1]}"
                : (string?)m ?? throw Bad(tokenizerJsonPath, "a merge is neither a string nor a pair")).ToList();
            foreach (var added in root["added_tokens"] as JsonArray ?? [])
            {
                var content = (string?)added?["content"] ?? throw Bad(tokenizerJsonPath, "an added token has no 'content'");
                vocab[content] = added!["id"]!.GetValue<int>();
                (added["special"]?.GetValue<bool>() == true ? special : userDefined).Add(content);
            }
            pre = PreTokenizerName(root["pre_tokenizer"], tokenizerJsonPath);
            addBosFromPostProcessor = PostProcessorAddsBos(root["post_processor"]);
        }
        else
        {
            // GPT-2's files: vocab.json (token -> id, byte-level strings) and merges.txt ("#version" line, then "left right").
            var vocabPath = Path.Combine(directory, Gpt2Tokenizer.VocabFileName);
            var mergesPath = Path.Combine(directory, Gpt2Tokenizer.MergesFileName);
            if (!File.Exists(vocabPath) || !File.Exists(mergesPath))
            {
                throw Bad(directory, $"needs {TokenizerJsonFileName}, or {Gpt2Tokenizer.VocabFileName} and {Gpt2Tokenizer.MergesFileName}");
            }
            foreach (var (token, id) in ReadJsonObject(vocabPath, required: true)!)
            {
                vocab[token] = id!.GetValue<int>();
            }
            merges = File.ReadAllLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToList();
            special.Add(Gpt2Tokenizer.EndOfText);
            pre = ByteLevelPreTokenizerNames.Gpt2;
        }

        int? Lookup(string key, string configKey)
        {
            var node = tokenizerConfig[key];
            var text = node is JsonObject o ? (string?)o["content"] : node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (text is not null && vocab.TryGetValue(text, out var id))
            {
                special.Add(text);
                return id;
            }
            return config[configKey] switch
            {
                JsonArray array when array.Count > 0 => array[0]!.GetValue<int>(),
                JsonValue value when value.TryGetValue<int>(out var number) => number,
                _ => null,
            };
        }

        var bos = Lookup("bos_token", "bos_token_id");
        var eos = Lookup("eos_token", "eos_token_id");
        var pad = Lookup("pad_token", "pad_token_id");
        var addBos = tokenizerConfig["add_bos_token"] is JsonValue addBosValue && addBosValue.TryGetValue<bool>(out var b)
            ? b
            : addBosFromPostProcessor ?? false;

        var tokens = new string[vocabSize];
        var types = new GgufTokenType[vocabSize];
        foreach (var (token, id) in vocab)
        {
            if (id < 0 || id >= vocabSize)
            {
                throw Bad(directory, $"token '{token}' has id {id}, outside the model's vocab_size {vocabSize}");
            }
            tokens[id] = token;
            types[id] = special.Contains(token) ? GgufTokenType.Control
                : userDefined.Contains(token) ? GgufTokenType.UserDefined
                : GgufTokenType.Normal;
        }
        for (var id = 0; id < vocabSize; id++)
        {
            if (tokens[id] is null)
            {
                // The embedding has rows the tokenizer never produces; llama.cpp still wants one entry per row.
                tokens[id] = $"[PAD{id}]";
                types[id] = GgufTokenType.Unused;
            }
        }
        return new GgufTokenizerMetadata(pre, tokens, types, merges, bos, eos, pad, addBos, ReadChatTemplate(directory, tokenizerConfig));
    }

    /// <summary>Adds the <c>tokenizer.*</c> keys to <paramref name="writer"/>.</summary>
    public void AddTo(GgufWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.AddMetadata("tokenizer.ggml.model", GgufMetadataValue.String("gpt2"));
        writer.AddMetadata("tokenizer.ggml.pre", GgufMetadataValue.String(Pre));
        writer.AddMetadata("tokenizer.ggml.tokens", GgufMetadataValue.Strings(Tokens));
        writer.AddMetadata("tokenizer.ggml.token_type", GgufMetadataValue.Int32s(TokenTypes.Select(t => (int)t)));
        writer.AddMetadata("tokenizer.ggml.merges", GgufMetadataValue.Strings(Merges));
        if (BosId is { } bos)
        {
            writer.AddMetadata("tokenizer.ggml.bos_token_id", GgufMetadataValue.UInt32((uint)bos));
        }
        if (EosId is { } eos)
        {
            writer.AddMetadata("tokenizer.ggml.eos_token_id", GgufMetadataValue.UInt32((uint)eos));
        }
        if (PaddingId is { } pad)
        {
            writer.AddMetadata("tokenizer.ggml.padding_token_id", GgufMetadataValue.UInt32((uint)pad));
        }
        writer.AddMetadata("tokenizer.ggml.add_bos_token", GgufMetadataValue.Bool(AddBos));
        writer.AddMetadata("tokenizer.ggml.add_eos_token", GgufMetadataValue.Bool(false));
        if (ChatTemplate is not null)
        {
            writer.AddMetadata("tokenizer.chat_template", GgufMetadataValue.String(ChatTemplate));
        }
    }

    /// <summary>
    /// Maps tokenizer.json's pre_tokenizer to llama.cpp's name: ByteLevel with its own regex is GPT-2's; otherwise the one
    /// Split regex (alone or in a Sequence before a regex-free ByteLevel) must be a known one.
    /// </summary>
    private static string PreTokenizerName(JsonNode? node, string path)
    {
        var splits = new List<string>();
        var byteLevelRegex = false;
        void Walk(JsonNode? n)
        {
            switch ((string?)n?["type"])
            {
                case "Sequence":
                    foreach (var child in n!["pretokenizers"] as JsonArray ?? [])
                    {
                        Walk(child);
                    }
                    break;
                case "Split":
                    splits.Add((string?)n!["pattern"]?["Regex"] ?? (string?)n["pattern"]?["String"] ?? "");
                    break;
                case "ByteLevel":
                    byteLevelRegex |= n!["use_regex"]?.GetValue<bool>() ?? true;
                    break;
                default:
                    splits.Add($"<{(string?)n?["type"] ?? "none"}>");
                    break;
            }
        }
        Walk(node);
        var name = (splits.Count, byteLevelRegex) switch
        {
            (0, true) => ByteLevelPreTokenizerNames.Gpt2,
            (1, false) => ByteLevelPreTokenizerNames.ForRegex(splits[0]),
            _ => null,
        };
        return name ?? throw Bad(path,
            "pre_tokenizer is not one llama.cpp is known to reproduce here (known: GPT-2 ByteLevel, the Llama 3 Split regex, the Qwen2 Split regex)");
    }

    /// <summary>True when a TemplateProcessing post-processor puts a special token before the single sequence.</summary>
    private static bool? PostProcessorAddsBos(JsonNode? node)
    {
        switch ((string?)node?["type"])
        {
            case "TemplateProcessing":
                return (node!["single"] as JsonArray)?.FirstOrDefault()?["SpecialToken"] is not null;
            case "Sequence":
                foreach (var child in node!["processors"] as JsonArray ?? [])
                {
                    if (PostProcessorAddsBos(child) is { } adds)
                    {
                        return adds;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    private static string? ReadChatTemplate(string directory, JsonObject tokenizerConfig)
    {
        var file = Path.Combine(directory, ChatTemplateFileName);
        if (File.Exists(file))
        {
            return File.ReadAllText(file);
        }
        return tokenizerConfig["chat_template"] switch
        {
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            // A list of named templates: the default one is the chat template.
            JsonArray named => named.Where(t => (string?)t?["name"] == "default").Select(t => (string?)t?["template"]).FirstOrDefault(),
            _ => null,
        };
    }

    private static JsonObject? ReadJsonObject(string path, bool required)
    {
        if (!File.Exists(path))
        {
            return required ? throw Bad(path, "file not found") : null;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw Bad(path, "is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Bad(path, $"invalid JSON ({e.Message})");
        }
    }

    private static CheckpointFormatException Bad(string path, string problem) => new(path, null, problem);
}
