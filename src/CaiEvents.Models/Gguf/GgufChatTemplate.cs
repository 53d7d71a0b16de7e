using CaiEvents.Models.Chat;

namespace CaiEvents.Models.Gguf;

/// <summary>
/// A GGUF file's chat template: <c>tokenizer.chat_template</c> recognised as a checkpoint's <c>chat_template</c> is
/// (<see cref="ChatTemplates.Recognise"/>), with the bos/eos texts looked up in the file's vocabulary
/// (<c>tokenizer.ggml.tokens</c> at <c>tokenizer.ggml.bos_token_id</c> / <c>eos_token_id</c>).
/// </summary>
public static class GgufChatTemplate
{
    public const string TemplateKey = "tokenizer.chat_template";

    /// <summary>The template of <paramref name="file"/>, or <paramref name="overrideName"/>'s family when given; null when the file has none.</summary>
    /// <exception cref="ChatTemplateException">An unrecognised template, or an unknown override.</exception>
    public static ChatTemplate? From(GgufFile file, string? overrideName = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var bos = TokenText(file, "tokenizer.ggml.bos_token_id");
        var eos = TokenText(file, "tokenizer.ggml.eos_token_id");
        if (overrideName is not null) return ChatTemplates.ByName(overrideName, bos, eos);
        return file.Metadata.TryGetValue(TemplateKey, out var text) && text.Type == GgufValueType.String
            ? ChatTemplates.Recognise(text.AsString(), bos, eos)
            : null;
    }

    /// <summary>The vocabulary entry at the id stored under <paramref name="idKey"/>, or null when either is missing.</summary>
    public static string? TokenText(GgufFile file, string idKey)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Metadata.TryGetValue(idKey, out var idValue) || !file.Metadata.TryGetValue("tokenizer.ggml.tokens", out var tokensValue)
            || tokensValue.Value is not string[] tokens)
        {
            return null;
        }
        var id = idValue.AsInteger();
        return id >= 0 && id < tokens.Length ? tokens[id] : null;
    }
}
