using System.Text;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// Mistral: bos, user turns as <c>[INST] … [/INST]</c>, each answer followed by eos. A leading system message goes in front
/// of the first user turn (two newlines between). There is no generation prompt: a prompt ending in <c>[/INST]</c> asks for the answer.
/// </summary>
public sealed class MistralChatFormat : IChatFormat
{
    public string Family => "mistral";

    public string EndOfTurn(string eosToken) => eosToken;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var sb = new StringBuilder(bosToken);
        var hasSystem = messages.Count > 0 && messages[0].Role == ChatMessage.System;
        var system = hasSystem ? messages[0].Content : "";
        var turns = hasSystem ? messages.Skip(1).ToList() : messages;
        for (var i = 0; i < turns.Count; i++)
        {
            var message = turns[i];
            if (message.Role is not (ChatMessage.User or ChatMessage.Assistant))
                throw new ChatTemplateException($"{Family} chat template: only a leading system message, then user and assistant turns");
            ChatFormatRules.RequireAlternation(Family, message, i);
            if (message.Role == ChatMessage.Assistant)
                sb.Append(message.Content).Append(eosToken);
            else if (i == 0 && system.Length > 0)
                sb.Append("[INST] ").Append(system).Append("\n\n").Append(message.Content).Append(" [/INST]");
            else
                sb.Append("[INST] ").Append(message.Content).Append(" [/INST]");
        }
        return sb.ToString();
    }
}
