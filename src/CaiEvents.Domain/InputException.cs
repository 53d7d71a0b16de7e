using System.Globalization;
using System.Text;

namespace CaiEvents.Domain;

/// <summary>
/// Bad user input (a constitution, a prompt set, ...). The <see cref="Exception.Message"/> is always a single
/// line of the form <c>&lt;file&gt;:&lt;line&gt;: &lt;what is wrong&gt;</c>, or <c>&lt;file&gt;: &lt;what is wrong&gt;</c>
/// when no line applies, so a CLI can print it as is.
/// </summary>
public sealed class InputException : Exception
{
    public InputException(string source, int? line, string problem)
        : base(Format(source, line, problem))
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(problem);
        if (line is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(line), line, "Line numbers start at 1.");
        }

        Source = source;
        Line = line;
        Problem = problem;
        base.Source = source;
    }

    /// <summary>The file (or other named input) that is wrong. Hides <see cref="Exception.Source"/>, which is set to the same value.</summary>
    public new string Source { get; }

    /// <summary>1-based line number, or null when the problem is not tied to a line.</summary>
    public int? Line { get; }

    /// <summary>What is wrong, without the file and line prefix.</summary>
    public string Problem { get; }

    private static string Format(string source, int? line, string problem)
    {
        string s = OneLine(source ?? "<unknown>");
        string p = OneLine(problem ?? "");
        return line is { } l
            ? string.Create(CultureInfo.InvariantCulture, $"{s}:{l}: {p}")
            : $"{s}: {p}";
    }

    /// <summary>Replaces line breaks and other control characters by spaces so the message stays on one line.</summary>
    internal static string OneLine(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool bad = char.IsControl(c)
                || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
            if (bad)
            {
                sb ??= new StringBuilder(text, 0, i, text.Length);
                sb.Append(' ');
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }
}
