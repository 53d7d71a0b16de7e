using System.Text;
using System.Text.RegularExpressions;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// Llama 3: bos, then <c>&lt;|start_header_id|&gt;ROLE&lt;|end_header_id|&gt;</c>, two newlines, the trimmed content, <c>&lt;|eot_id|&gt;</c>.
/// Llama 3.1 and later templates always write a system turn that opens with the knowledge cutoff and a date
/// (<c>Cutting Knowledge Date: …\nToday Date: …\n\n</c>, then the trimmed system text): see <see cref="ForTemplate"/>.
/// </summary>
/// <param name="systemPreamble">The text that opens the always-written system turn (null: the plain Llama 3 format).</param>
public sealed partial class Llama3ChatFormat(string? systemPreamble = null) : IChatFormat
{
    private const string EndOfTurnText = "<|eot_id|>";
    private const string KnowledgeMarker = "Cutting Knowledge Date:";

    public string Family => "llama3";

    /// <summary>The text that opens the always-written system turn; null for the plain Llama 3 format.</summary>
    public string? SystemPreamble => systemPreamble;

    public string EndOfTurn(string eosToken) => EndOfTurnText;

    /// <summary>
    /// The format of one Llama 3 template text. A template that writes <c>Cutting Knowledge Date:</c> gets the system preamble
    /// with the cutoff and the fixed date it falls back to (Llama 3.2's template writes today's date where the engine has
    /// <c>strftime_now</c>; the fixed date keeps prompts reproducible). Such a template without a fixed date is refused.
    /// </summary>
    /// <exception cref="ChatTemplateException">A knowledge-date template whose cutoff or fallback date cannot be read.</exception>
    public static Llama3ChatFormat ForTemplate(string templateText)
    {
        if (!templateText.Contains(KnowledgeMarker, StringComparison.Ordinal)) return new Llama3ChatFormat();
        var cutoff = Cutoff().Match(templateText);
        var date = FixedDate().Match(templateText);
        if (!cutoff.Success || !date.Success)
            throw new ChatTemplateException("llama3 chat template: it writes a knowledge-cutoff header but its cutoff or fixed fallback date "
                + "could not be read; choose one explicitly with --chat-template NAME");
        return new Llama3ChatFormat($"{KnowledgeMarker} {cutoff.Groups["cutoff"].Value}\nToday Date: {date.Groups["date"].Value}\n\n");
    }

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var sb = new StringBuilder(bosToken);
        var turns = messages;
        if (systemPreamble is not null)
        {
            var hasSystem = messages.Count > 0 && messages[0].Role == ChatMessage.System;
            Header(sb, ChatMessage.System).Append(systemPreamble).Append(hasSystem ? ChatFormatRules.Trim(messages[0].Content) : "").Append(EndOfTurnText);
            if (hasSystem) turns = [.. messages.Skip(1)];
        }
        foreach (var message in turns)
        {
            ChatFormatRules.RequireRole(Family, message, ChatMessage.System, ChatMessage.User, ChatMessage.Assistant);
            Header(sb, message.Role).Append(ChatFormatRules.Trim(message.Content)).Append(EndOfTurnText);
        }
        if (addGenerationPrompt) Header(sb, ChatMessage.Assistant);
        return sb.ToString();
    }

    private static StringBuilder Header(StringBuilder sb, string role) => sb.Append("<|start_header_id|>").Append(role).Append("<|end_header_id|>\n\n");

    [GeneratedRegex(@"Cutting Knowledge Date: (?<cutoff>[^'""\\]+)\\n")]
    private static partial Regex Cutoff();

    /// <summary>A quoted day-month-year date such as <c>"26 Jul 2024"</c>: the date a template falls back to.</summary>
    [GeneratedRegex(@"['""](?<date>\d{1,2} [A-Z][a-z]{2} \d{4})['""]")]
    private static partial Regex FixedDate();
}
