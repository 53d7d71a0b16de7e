using System.Text.Json;
using CaiEvents.Models.Tokenization;

namespace CaiEvents.Models.Chat;

/// <summary>
/// A checkpoint's chat template from what its <c>tokenizer_config.json</c> says (<see cref="HfTokenizerConfig"/>: <c>chat_template</c>, a
/// string or a list of named templates of which <c>default</c> is used, and the <c>bos_token</c>/<c>eos_token</c> texts).
/// </summary>
public static class TokenizerConfigChatTemplate
{
    /// <summary>
    /// The model's chat template: <paramref name="overrideName"/>'s family (<see cref="ChatTemplates.ByName"/>) when given,
    /// else the recognised <c>chat_template</c> (<see cref="ChatTemplates.Recognise"/>); null when the file has no template
    /// (a base model). The tokenizer's bos/eos texts are used where the file names them.
    /// </summary>
    /// <param name="overrideName">The explicit family (<c>--chat-template NAME</c>), or null.</param>
    /// <exception cref="ChatTemplateException">An unrecognised template, an unknown override, or a list without a default template.</exception>
    public static ChatTemplate? From(HfTokenizerConfig config, string? overrideName = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (overrideName is not null) return ChatTemplates.ByName(overrideName, config.BosToken, config.EosToken);
        if (config.ChatTemplate is { } text) return ChatTemplates.Recognise(text, config.BosToken, config.EosToken);
        if (config.NamedChatTemplates.Count > 0)
        {
            throw new ChatTemplateException("tokenizer_config.json: chat_template is a list without a template named 'default'; "
                + "choose one explicitly with --chat-template NAME");
        }
        return null;
    }

    /// <summary><see cref="From"/> over the text of a <c>tokenizer_config.json</c>.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    /// <exception cref="CheckpointFormatException">A field of the wrong shape.</exception>
    public static ChatTemplate? Read(string tokenizerConfigJson, string? overrideName = null)
    {
        using var document = JsonDocument.Parse(tokenizerConfigJson);
        return From(HfTokenizerConfig.Parse(document.RootElement, HfTokenizerConfig.FileName), overrideName);
    }
}
