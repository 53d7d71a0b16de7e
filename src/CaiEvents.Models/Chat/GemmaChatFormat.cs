using System.Text;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// Gemma: bos, <c>&lt;start_of_turn&gt;user</c> / <c>&lt;start_of_turn&gt;model</c>, a newline, the trimmed content,
/// <c>&lt;end_of_turn&gt;</c> and a newline. Gemma has no system role (refused), and turns must alternate.
/// </summary>
public sealed class GemmaChatFormat : IChatFormat
{
    private const string EndOfTurnText = "<end_of_turn>";

    public string Family => "gemma";

    public string EndOfTurn(string eosToken) => EndOfTurnText;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var sb = new StringBuilder(bosToken);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role == ChatMessage.System)
                throw new ChatTemplateException($"{Family} chat template: the gemma format has no system role");
            ChatFormatRules.RequireRole(Family, message, ChatMessage.User, ChatMessage.Assistant);
            ChatFormatRules.RequireAlternation(Family, message, i);
            var speaker = message.Role == ChatMessage.Assistant ? "model" : "user";
            sb.Append("<start_of_turn>").Append(speaker).Append('\n').Append(ChatFormatRules.Trim(message.Content)).Append(EndOfTurnText).Append('\n');
        }
        if (addGenerationPrompt) sb.Append("<start_of_turn>model\n");
        return sb.ToString();
    }
}
