using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// One chat template family rendered in C#: the same text that Hugging Face's <c>apply_chat_template(..., tokenize=False)</c>
/// gives for this family's template (see <c>Templates/&lt;family&gt;.jinja</c>, and the fixture test against @huggingface/jinja).
/// </summary>
public interface IChatFormat
{
    /// <summary>The family name, e.g. <c>chatml</c>.</summary>
    string Family { get; }

    /// <summary>The text that ends a turn (a stop marker for generation), given the tokenizer's eos text.</summary>
    string EndOfTurn(string eosToken);

    /// <summary>The rendered conversation; throws <see cref="ChatTemplateException"/> where the family's template raises.</summary>
    string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken);
}
