using System.Text;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// Llama 3: bos, then <c>&lt;|start_header_id|&gt;ROLE&lt;|end_header_id|&gt;</c>, two newlines, the trimmed content, <c>&lt;|eot_id|&gt;</c>.
/// </summary>
public sealed class Llama3ChatFormat : IChatFormat
{
    private const string EndOfTurnText = "<|eot_id|>";

    public string Family => "llama3";

    public string EndOfTurn(string eosToken) => EndOfTurnText;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var sb = new StringBuilder(bosToken);
        foreach (var message in messages)
        {
            ChatFormatRules.RequireRole(Family, message, ChatMessage.System, ChatMessage.User, ChatMessage.Assistant);
            Header(sb, message.Role).Append(ChatFormatRules.Trim(message.Content)).Append(EndOfTurnText);
        }
        if (addGenerationPrompt) Header(sb, ChatMessage.Assistant);
        return sb.ToString();
    }

    private static StringBuilder Header(StringBuilder sb, string role) => sb.Append("<|start_header_id|>").Append(role).Append("<|end_header_id|>\n\n");
}
