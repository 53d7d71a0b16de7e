using System.Text;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// Phi-3: <c>&lt;|system|&gt;</c>, <c>&lt;|user|&gt;</c>, <c>&lt;|assistant|&gt;</c> headers, a newline, the content, <c>&lt;|end|&gt;</c>
/// and a newline; without a generation prompt the text ends with eos.
/// </summary>
public sealed class Phi3ChatFormat : IChatFormat
{
    private const string EndOfTurnText = "<|end|>";

    public string Family => "phi3";

    public string EndOfTurn(string eosToken) => EndOfTurnText;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var sb = new StringBuilder();
        foreach (var message in messages)
        {
            ChatFormatRules.RequireRole(Family, message, ChatMessage.System, ChatMessage.User, ChatMessage.Assistant);
            sb.Append("<|").Append(message.Role).Append("|>\n").Append(message.Content).Append(EndOfTurnText).Append('\n');
        }
        sb.Append(addGenerationPrompt ? "<|assistant|>\n" : eosToken);
        return sb.ToString();
    }
}
