using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>The checks the templates make with <c>raise_exception</c>, with the same messages, shared by the renderers.</summary>
internal static class ChatFormatRules
{
    /// <summary>Throws unless the role is one of <paramref name="allowed"/>.</summary>
    public static void RequireRole(string family, ChatMessage message, params string[] allowed)
    {
        if (!allowed.Contains(message.Role, StringComparer.Ordinal))
            throw new ChatTemplateException($"{family} chat template: unsupported role {message.Role}");
    }

    /// <summary>Throws unless turn <paramref name="index"/> (from 0) is a user turn exactly when the index is even.</summary>
    public static void RequireAlternation(string family, ChatMessage message, int index)
    {
        if (message.Role == ChatMessage.User != (index % 2 == 0))
            throw new ChatTemplateException($"{family} chat template: turns must alternate user/assistant, starting with user");
    }

    /// <summary>
    /// Jinja's <c>trim</c>. HF's engines strip Unicode white space (Python's <c>str.strip</c>, JavaScript's <c>trim</c>);
    /// .NET's <see cref="string.Trim()"/> agrees with both on every character the fixture and real prompts use.
    /// </summary>
    public static string Trim(string text) => text.Trim();
}
