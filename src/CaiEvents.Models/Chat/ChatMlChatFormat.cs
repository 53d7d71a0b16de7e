using System.Text;
using System.Text.RegularExpressions;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// ChatML (Qwen, SmolLM2): <c>&lt;|im_start|&gt;ROLE</c>, a newline, the content, <c>&lt;|im_end|&gt;</c> and a newline; no bos.
/// Some checkpoints' templates (Qwen2/2.5, SmolLM2) write a fixed system turn when the conversation has none: that turn is
/// read from the template text (<see cref="ForTemplate"/>) and written the same way.
/// </summary>
/// <param name="defaultSystem">The system message the template writes when the conversation starts without one (null: none).</param>
public sealed partial class ChatMlChatFormat(string? defaultSystem = null) : IChatFormat
{
    private const string EndOfTurnText = "<|im_end|>";

    public string Family => "chatml";

    /// <summary>The system message written when the conversation starts without one; null when the template writes none.</summary>
    public string? DefaultSystem => defaultSystem;

    public string EndOfTurn(string eosToken) => EndOfTurnText;

    /// <summary>
    /// The format of one ChatML template text: with the default system message when the text holds a whole system turn as
    /// one string literal (<c>'&lt;|im_start|&gt;system\n…&lt;|im_end|&gt;\n'</c>), else plain ChatML.
    /// </summary>
    public static ChatMlChatFormat ForTemplate(string templateText)
    {
        var literal = SystemTurnLiteral().Match(templateText);
        return new ChatMlChatFormat(literal.Success ? UnescapeJinja(literal.Groups["text"].Value) : null);
    }

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var sb = new StringBuilder();
        if (defaultSystem is not null && messages.Count > 0 && messages[0].Role != ChatMessage.System)
            Turn(sb, ChatMessage.System, defaultSystem);
        foreach (var message in messages)
        {
            ChatFormatRules.RequireRole(Family, message, ChatMessage.System, ChatMessage.User, ChatMessage.Assistant);
            Turn(sb, message.Role, message.Content);
        }
        if (addGenerationPrompt) sb.Append("<|im_start|>assistant\n");
        return sb.ToString();
    }

    private static void Turn(StringBuilder sb, string role, string content) =>
        sb.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append(EndOfTurnText).Append('\n');

    /// <summary>A Jinja string literal's escapes (<c>\n</c>, <c>\t</c>, <c>\r</c>, <c>\\</c>, quotes) turned into the characters.</summary>
    private static string UnescapeJinja(string literal) => JinjaEscape().Replace(literal, m => m.Groups[1].Value switch
    {
        "n" => "\n",
        "t" => "\t",
        "r" => "\r",
        var other => other,
    });

    [GeneratedRegex(@"(?<q>['""])<\|im_start\|>system\\n(?<text>(?:(?!\k<q>)[^\\]|\\.)*?)<\|im_end\|>\\n\k<q>")]
    private static partial Regex SystemTurnLiteral();

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex JinjaEscape();
}
