using System.Text;
using CaiEvents.Models;

namespace CaiEvents.UnitTests.Models.SecondDecoder;

/// <summary>
/// A Llama-like test tokenizer: UTF-8 bytes are ids 0–255, then end-of-text (256), begin-of-text (257, put in front of
/// prompts) and an end-of-turn id (258) that stops generation like end-of-text does. Special ids decode to nothing.
/// </summary>
internal sealed class SpecialTokenTokenizer : ITextTokenizer
{
    public const int EndOfText = 256;
    public const int BeginOfText = 257;
    public const int EndOfTurn = 258;

    public int EndOfTextId => EndOfText;

    public int VocabCount => 259;

    public IReadOnlySet<int> StopIds { get; } = new HashSet<int> { EndOfText, EndOfTurn };

    public int? BeginOfTextId => BeginOfText;

    public int[] Encode(string text) => [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

    public string Decode(IEnumerable<int> ids) => Encoding.UTF8.GetString([.. ids.Where(i => i < 256).Select(i => (byte)i)]);
}
