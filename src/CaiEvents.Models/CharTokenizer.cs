using System.Text;

namespace CaiEvents.Models;

/// <summary>
/// Character-level tokenizer with a fixed, deterministic vocabulary: three special tokens
/// (<c>&lt;pad&gt;</c>, <c>&lt;bos&gt;</c>, <c>&lt;eos&gt;</c>), then <c>'\n'</c>, then printable ASCII 32..126.
/// Any other character (including each non-ASCII code point, e.g. an emoji) encodes as <c>'?'</c>,
/// so no input can make encoding fail.
/// </summary>
public sealed class CharTokenizer
{
    public const int PadId = 0;
    public const int BosId = 1;
    public const int EosId = 2;

    private const int NewlineId = 3;
    private const int FirstPrintableId = 4;
    private const char FirstPrintable = ' ';  // 32
    private const char LastPrintable = '~';   // 126

    public static CharTokenizer Instance { get; } = new();

    /// <summary>3 special tokens + '\n' + 95 printable ASCII characters = 99.</summary>
    public int VocabSize => FirstPrintableId + (LastPrintable - FirstPrintable + 1);

    public int UnknownId => IdOf('?');

    /// <summary>True for the special tokens, which have no text.</summary>
    public static bool IsSpecial(int id) => id is PadId or BosId or EosId;

    /// <summary>Encodes text one Unicode code point per token; unknown code points become <c>'?'</c>.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            ids.Add(rune.IsBmp ? IdOf((char)rune.Value) : UnknownId);
        }
        return ids.ToArray();
    }

    /// <summary>Decodes ids to text; special tokens are skipped. Throws for ids outside the vocabulary.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var sb = new StringBuilder();
        foreach (var id in ids)
        {
            if (id < 0 || id >= VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id must be in [0, {VocabSize}).");
            }
            if (IsSpecial(id))
            {
                continue;
            }
            sb.Append(CharOf(id));
        }
        return sb.ToString();
    }

    /// <summary>The character of a non-special id.</summary>
    public char CharOf(int id) => id switch
    {
        NewlineId => '\n',
        >= FirstPrintableId when id < VocabSize => (char)(FirstPrintable + id - FirstPrintableId),
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "Not a character token."),
    };

    private int IdOf(char c) => c switch
    {
        '\n' => NewlineId,
        >= FirstPrintable and <= LastPrintable => FirstPrintableId + (c - FirstPrintable),
        _ => UnknownId,
    };
}
