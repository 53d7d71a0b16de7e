using System.Text;
using System.Text.RegularExpressions;

namespace CaiEvents.Models.Tokenization;

/// <summary>
/// The two fixed building blocks of GPT-2 style byte-level BPE: the pre-tokenisation pattern that splits text
/// into words before any merging, and the reversible byte-to-character table that lets every byte sequence be
/// written as printable text in <c>vocab.json</c> and <c>merges.txt</c>.
/// </summary>
public static partial class ByteLevel
{
    /// <summary>The end-of-text special token, as in GPT-2.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>
    /// The standard GPT-2 pattern: English contractions, an optional space plus a run of letters, an optional
    /// space plus a run of digits, an optional space plus a run of other symbols, whitespace not followed by
    /// non-whitespace (so a single space stays attached to the next word), and any remaining whitespace.
    /// </summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Gpt2Pattern, RegexOptions.CultureInvariant)]
    public static partial Regex Gpt2Regex();

    private static readonly char[] ByteToCharTable = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByteTable = BuildCharToByte(ByteToCharTable);

    /// <summary>The printable character standing for byte <paramref name="b"/>.</summary>
    public static char ByteToChar(byte b) => ByteToCharTable[b];

    /// <summary>The byte a byte-level character stands for; false if <paramref name="c"/> is not one of the 256.</summary>
    public static bool TryCharToByte(char c, out byte b) => CharToByteTable.TryGetValue(c, out b);

    /// <summary>UTF-8 bytes of <paramref name="text"/>, written one byte-level character per byte.</summary>
    public static string ToByteLevel(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (span, bs) =>
        {
            for (int i = 0; i < bs.Length; i++)
            {
                span[i] = ByteToCharTable[bs[i]];
            }
        });
    }

    /// <summary>Bytes written as byte-level characters back to bytes. Throws for a character outside the table.</summary>
    public static byte[] FromByteLevel(string byteLevelText)
    {
        ArgumentNullException.ThrowIfNull(byteLevelText);
        var bytes = new byte[byteLevelText.Length];
        for (int i = 0; i < byteLevelText.Length; i++)
        {
            if (!CharToByteTable.TryGetValue(byteLevelText[i], out bytes[i]))
            {
                throw new ArgumentException($"Character U+{(int)byteLevelText[i]:X4} is not a byte-level character.", nameof(byteLevelText));
            }
        }
        return bytes;
    }

    /// <summary>Splits text into GPT-2 pre-tokens (the pieces BPE never merges across).</summary>
    public static IEnumerable<string> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (Match m = Gpt2Regex().Match(text); m.Success; m = m.NextMatch())
        {
            yield return m.Value;
        }
    }

    /// <summary>
    /// Splits text around occurrences of the given special tokens, yielding (piece, isSpecial). Ordinary
    /// pieces are never empty. The earliest special wins; at the same position, the longest.
    /// </summary>
    public static IEnumerable<(string Piece, bool IsSpecial)> SplitSpecial(string text, IReadOnlyCollection<string> specials)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(specials);
        if (specials.Count == 0)
        {
            if (text.Length > 0) yield return (text, false);
            yield break;
        }

        int start = 0;
        while (start < text.Length)
        {
            int at = -1;
            string? hit = null;
            foreach (string s in specials)
            {
                if (s.Length == 0) continue;
                int i = text.IndexOf(s, start, StringComparison.Ordinal);
                if (i >= 0 && (at < 0 || i < at || (i == at && s.Length > hit!.Length)))
                {
                    at = i;
                    hit = s;
                }
            }

            if (hit is null) break;
            if (at > start) yield return (text[start..at], false);
            yield return (hit, true);
            start = at + hit.Length;
        }
        if (start < text.Length) yield return (text[start..], false);
    }

    // GPT-2's table: printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68
    // bytes (controls, space, DEL, NBSP, soft hyphen …) are shifted to U+0100 onwards in byte order.
    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var direct = new bool[256];
        for (int b = '!'; b <= '~'; b++) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) direct[b] = true;
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            table[b] = direct[b] ? (char)b : (char)next++;
        }
        return table;
    }

    private static Dictionary<char, byte> BuildCharToByte(char[] byteToChar)
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++) map.Add(byteToChar[b], (byte)b);
        return map;
    }
}
