namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// The (A)/(B) options inside a multiple-choice prompt, so an item can also be asked with its options swapped (the Labeller
/// asks both orders for the same reason: to cancel a model's preference for a position). Pure string work.
/// </summary>
public static class ChoiceOptions
{
    /// <summary>
    /// The option a continuation names: 'A' for <c>" (A)"</c> (any leading white space), 'B' for <c>" (B)"</c>, else null.
    /// </summary>
    public static char? Position(string continuation)
    {
        var text = continuation.Trim();
        return text switch { "(A)" => 'A', "(B)" => 'B', _ => null };
    }

    /// <summary>The same continuation naming the other option (<c>" (A)"</c> ↔ <c>" (B)"</c>).</summary>
    public static string Swap(string continuation) => Position(continuation) switch
    {
        'A' => continuation.Replace("(A)", "(B)", StringComparison.Ordinal),
        'B' => continuation.Replace("(B)", "(A)", StringComparison.Ordinal),
        _ => continuation,
    };

    /// <summary>
    /// The prompt with the texts of options (A) and (B) exchanged, or null when it does not hold them as the paper writes them:
    /// a line starting <c>(A) </c>, later a line starting <c>(B) </c>, then (after white space) the closing <c>The answer is:</c>.
    /// Option (A)'s text runs to the newline before <c>(B) </c>; option (B)'s to the white space before the closing lead.
    /// </summary>
    public static string? SwapOptions(string prompt, string answerLead = "The answer is:")
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var trimmed = prompt.TrimEnd();
        if (!trimmed.EndsWith(answerLead, StringComparison.Ordinal)) return null;
        var leadAt = trimmed.Length - answerLead.Length;
        var a = prompt.LastIndexOf("\n(A) ", leadAt, StringComparison.Ordinal);
        var aText = a >= 0 ? a + 5 : prompt.StartsWith("(A) ", StringComparison.Ordinal) ? 4 : -1;
        if (aText < 0) return null;
        var b = prompt.IndexOf("\n(B) ", aText, StringComparison.Ordinal);
        if (b < 0 || b >= leadAt) return null;
        var bText = b + 5;
        var bEnd = prompt.AsSpan(bText, leadAt - bText).TrimEnd().Length + bText;
        if (bEnd <= bText || b <= aText) return null;
        var optionA = prompt[aText..b];
        var optionB = prompt[bText..bEnd];
        return prompt[..aText] + optionB + prompt[b..bText] + optionA + prompt[bEnd..];
    }
}
