using System.Security.Cryptography;
using System.Text;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// A model's chat template: the family this project renders it as, the template text as found (e.g. in
/// tokenizer_config.json's <c>chat_template</c>) and its sha256, and the tokenizer's bos/eos texts the template writes.
/// Build one with <see cref="ChatTemplates.Recognise"/> or <see cref="ChatTemplates.ByName"/>.
/// </summary>
public sealed class ChatTemplate
{
    private readonly IChatFormat format;

    internal ChatTemplate(IChatFormat format, string text, string bosToken, string eosToken)
    {
        this.format = format;
        Text = text;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        BosToken = bosToken;
        EosToken = eosToken;
    }

    /// <summary>The family name: one of <see cref="ChatTemplates.Families"/>.</summary>
    public string Family => format.Family;

    /// <summary>The Jinja template text as found.</summary>
    public string Text { get; }

    /// <summary>sha256 (lower-case hex) of <see cref="Text"/> in UTF-8.</summary>
    public string Sha256 { get; }

    /// <summary>The bos text the template writes where it writes one ("" when the tokenizer has none).</summary>
    public string BosToken { get; }

    /// <summary>The eos text the template writes where it writes one.</summary>
    public string EosToken { get; }

    /// <summary>The text that ends a turn in this format (a stop marker for generated answers); empty when the server applies the
    /// template (<see cref="ChatTemplates.ServerSide"/>) and stops at its own end of turn.</summary>
    public string EndOfTurn => format.EndOfTurn(EosToken);

    /// <summary>What provenance records: <c>family@</c> and the first 16 hex digits of <see cref="Sha256"/>, e.g. <c>chatml@1a2b…</c>.</summary>
    public string ProvenanceName => $"{Family}@{Sha256[..16]}";

    /// <summary>
    /// The conversation as Hugging Face's <c>apply_chat_template(messages, tokenize=False, add_generation_prompt=…)</c> renders
    /// this family's template, bos text included where the template writes it.
    /// </summary>
    /// <exception cref="ChatTemplateException">No messages, or a conversation the format refuses.</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0) throw new ChatTemplateException($"{Family} chat template: a conversation needs at least one message");
        return format.Render(messages, addGenerationPrompt, BosToken, EosToken);
    }

    /// <summary>True when a server applies the template and the rendered text is <see cref="ServerChatMessages"/> (a chat-completions model).</summary>
    public bool IsServerSide => Family == ServerChatFormat.FamilyName;

    public override string ToString() => ProvenanceName;
}
