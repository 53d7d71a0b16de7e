using System.Text;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>ChatML (Qwen, SmolLM2): <c>&lt;|im_start|&gt;ROLE</c>, a newline, the content, <c>&lt;|im_end|&gt;</c> and a newline; no bos.</summary>
public sealed class ChatMlChatFormat : IChatFormat
{
    private const string EndOfTurnText = "<|im_end|>";

    public string Family => "chatml";

    public string EndOfTurn(string eosToken) => EndOfTurnText;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var sb = new StringBuilder();
        foreach (var message in messages)
        {
            ChatFormatRules.RequireRole(Family, message, ChatMessage.System, ChatMessage.User, ChatMessage.Assistant);
            sb.Append("<|im_start|>").Append(message.Role).Append('\n').Append(message.Content).Append(EndOfTurnText).Append('\n');
        }
        if (addGenerationPrompt) sb.Append("<|im_start|>assistant\n");
        return sb.ToString();
    }
}
