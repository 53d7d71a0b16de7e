using System.Globalization;
using System.Text.Json;

namespace CaiEvents.Models.Tokenization;

/// <summary>
/// What a Hugging Face <c>tokenizer_config.json</c> says about special tokens and prompting. Token fields are the token text (the file
/// may hold a string or an AddedToken object <c>{"content": ...}</c>); flags absent from the file are null.
/// </summary>
/// <param name="AddBosToken"><c>add_bos_token</c>: when set, it decides whether a bos goes in front of a prompt.</param>
/// <param name="ChatTemplate">The raw Jinja text of <c>chat_template</c> (the "default" one when the file lists several); null if none.</param>
/// <param name="NamedChatTemplates">Every template of a list-form <c>chat_template</c> by name (e.g. "default", "tool_use"); else empty.</param>
/// <param name="ModelMaxLength"><c>model_max_length</c>; null when absent or set to the library's "unlimited" sentinel (about 1e30).</param>
/// <param name="AddedTokens"><c>added_tokens_decoder</c>, by id.</param>
public sealed record HfTokenizerConfig(
    string? BosToken,
    string? EosToken,
    string? PadToken,
    string? UnkToken,
    bool? AddBosToken,
    bool? AddEosToken,
    string? ChatTemplate,
    IReadOnlyDictionary<string, string> NamedChatTemplates,
    long? ModelMaxLength,
    IReadOnlyList<HfAddedToken> AddedTokens)
{
    public const string FileName = "tokenizer_config.json";

    /// <summary>Reads <c>tokenizer_config.json</c> from a checkpoint directory.</summary>
    public static HfTokenizerConfig Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        using var document = HfJson.ReadObject(path);
        return Parse(document.RootElement, path);
    }

    /// <summary>Reads the configuration from the file's top-level object; <paramref name="path"/> names the file in errors.</summary>
    public static HfTokenizerConfig Parse(JsonElement root, string path)
    {
        var (chatTemplate, named) = ReadChatTemplate(root, path);
        return new HfTokenizerConfig(
            TokenText(root, "bos_token", path),
            TokenText(root, "eos_token", path),
            TokenText(root, "pad_token", path),
            TokenText(root, "unk_token", path),
            HfJson.OptionalBool(root, "add_bos_token", path),
            HfJson.OptionalBool(root, "add_eos_token", path),
            chatTemplate,
            named,
            ReadModelMaxLength(root, path),
            ReadAddedTokens(root, path));
    }

    // A token is "text", {"content": "text", ...} (AddedToken, as older files store them) or null.
    private static string? TokenText(JsonElement root, string name, string path)
    {
        switch (HfJson.Optional(root, name))
        {
            case null:
                return null;
            case { ValueKind: JsonValueKind.String } text:
                return text.GetString();
            case { ValueKind: JsonValueKind.Object } added
                when added.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String:
                return content.GetString();
            default:
                throw HfJson.Bad(path, name, "must be a string or an AddedToken object with a string 'content'");
        }
    }

    private static (string? Default, IReadOnlyDictionary<string, string> Named) ReadChatTemplate(JsonElement root, string path)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (HfJson.Optional(root, "chat_template"))
        {
            case null:
                return (null, named);
            case { ValueKind: JsonValueKind.String } text:
                return (text.GetString(), named);
            case { ValueKind: JsonValueKind.Array } list:
                foreach (var entry in list.EnumerateArray())
                {
                    if (entry.ValueKind != JsonValueKind.Object
                        || HfJson.OptionalString(entry, "name", path) is not { } name
                        || HfJson.OptionalString(entry, "template", path) is not { } template)
                    {
                        throw HfJson.Bad(path, "chat_template", "lists an entry that is not {\"name\": ..., \"template\": ...}");
                    }
                    named[name] = template;
                }
                return (named.GetValueOrDefault("default"), named);
            default:
                throw HfJson.Bad(path, "chat_template", "must be a string or a list of {\"name\": ..., \"template\": ...}");
        }
    }

    private static long? ReadModelMaxLength(JsonElement root, string path)
    {
        if (HfJson.Optional(root, "model_max_length") is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double length) || length < 1)
        {
            throw HfJson.Bad(path, "model_max_length", "must be a positive number");
        }
        // transformers writes int(1e30) when a tokenizer sets no limit.
        return length >= 1e18 ? null : (long)length;
    }

    private static IReadOnlyList<HfAddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        if (HfJson.Optional(root, "added_tokens_decoder") is not { } decoder) return [];
        if (decoder.ValueKind != JsonValueKind.Object) throw HfJson.Bad(path, "added_tokens_decoder", "must be an object of id → token");
        var tokens = new List<HfAddedToken>();
        foreach (var entry in decoder.EnumerateObject())
        {
            string field = $"added_tokens_decoder.{entry.Name}";
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            {
                throw HfJson.Bad(path, field, "has a key that is not a token id");
            }
            if (entry.Value.ValueKind != JsonValueKind.Object || HfJson.OptionalString(entry.Value, "content", path) is not { } content)
            {
                throw HfJson.Bad(path, field, "must be an object with a string 'content'");
            }
            tokens.Add(new HfAddedToken(id, content, HfJson.OptionalBool(entry.Value, "special", path) ?? false));
        }
        return tokens.OrderBy(t => t.Id).ToArray();
    }
}
