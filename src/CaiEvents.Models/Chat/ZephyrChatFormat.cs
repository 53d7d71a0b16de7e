using System.Text;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// Zephyr (and TinyLlama's chat models): <c>&lt;|system|&gt;</c>, <c>&lt;|user|&gt;</c>, <c>&lt;|assistant|&gt;</c> headers, a newline,
/// the content, eos and a newline.
/// </summary>
public sealed class ZephyrChatFormat : IChatFormat
{
    public string Family => "zephyr";

    public string EndOfTurn(string eosToken) => eosToken;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var sb = new StringBuilder();
        foreach (var message in messages)
        {
            ChatFormatRules.RequireRole(Family, message, ChatMessage.System, ChatMessage.User, ChatMessage.Assistant);
            sb.Append("<|").Append(message.Role).Append("|>\n").Append(message.Content).Append(eosToken).Append('\n');
        }
        if (addGenerationPrompt) sb.Append("<|assistant|>\n");
        return sb.ToString();
    }
}
