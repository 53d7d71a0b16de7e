using System.Text.Json;

namespace CaiEvents.Models.Chat;

/// <summary>
/// A checkpoint's chat template from its <c>tokenizer_config.json</c>: <c>chat_template</c> (a string, or a list of named
/// templates of which <c>default</c> is used) and the <c>bos_token</c>/<c>eos_token</c> texts (a string, or an added-token
/// object with <c>content</c>).
/// </summary>
public static class TokenizerConfigChatTemplate
{
    /// <summary>
    /// The model's chat template: <paramref name="overrideName"/>'s family (<see cref="ChatTemplates.ByName"/>) when given,
    /// else the recognised <c>chat_template</c> (<see cref="ChatTemplates.Recognise"/>); null when the file has no template
    /// (a base model). The tokenizer's bos/eos texts are used where the file names them.
    /// </summary>
    /// <param name="tokenizerConfigJson">The text of tokenizer_config.json.</param>
    /// <param name="overrideName">The explicit family (<c>--chat-template NAME</c>), or null.</param>
    /// <exception cref="ChatTemplateException">An unrecognised template, an unknown override, or a malformed <c>chat_template</c>.</exception>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static ChatTemplate? Read(string tokenizerConfigJson, string? overrideName = null)
    {
        using var document = JsonDocument.Parse(tokenizerConfigJson);
        var root = document.RootElement;
        var bos = TokenText(root, "bos_token");
        var eos = TokenText(root, "eos_token");
        if (overrideName is not null) return ChatTemplates.ByName(overrideName, bos, eos);
        var text = TemplateText(root);
        return text is null ? null : ChatTemplates.Recognise(text, bos, eos);
    }

    private static string? TemplateText(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("chat_template", out var template)) return null;
        switch (template.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return template.GetString();
            case JsonValueKind.Array:
                foreach (var named in template.EnumerateArray())
                {
                    if (named.ValueKind == JsonValueKind.Object && named.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                        && name.GetString() == "default" && named.TryGetProperty("template", out var text) && text.ValueKind == JsonValueKind.String)
                        return text.GetString();
                }
                throw new ChatTemplateException("tokenizer_config.json: chat_template is a list without a template named 'default'; "
                    + "choose one explicitly with --chat-template NAME");
            default:
                throw new ChatTemplateException(
                    $"tokenizer_config.json: chat_template is a JSON {template.ValueKind}, not a string or a list of named templates");
        }
    }

    /// <summary>
    /// A special token's text: a string, or an added-token object's <c>content</c>; "" when the file says null (the template then
    /// writes nothing for it), null when absent (the family's usual text).
    /// </summary>
    private static string? TokenText(JsonElement root, string property)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(property, out var token)) return null;
        return token.ValueKind switch
        {
            JsonValueKind.String => token.GetString(),
            JsonValueKind.Null => "",
            JsonValueKind.Object when token.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => null,
        };
    }
}
