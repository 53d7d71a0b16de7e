using CaiEvents.Models;

namespace CaiEvents.UnitTests.Models;

public class CharTokenizerTests
{
    private readonly CharTokenizer tokenizer = CharTokenizer.Instance;

    [Fact]
    public void Vocabulary_is_specials_newline_and_printable_ascii()
    {
        Assert.Equal(3 + 1 + 95, tokenizer.VocabSize);
    }

    [Fact]
    public void Printable_ascii_and_newline_round_trip()
    {
        var text = string.Concat(Enumerable.Range(32, 95).Select(c => (char)c)) + "\nok";
        var ids = tokenizer.Encode(text);

        Assert.Equal(text.Length, ids.Length);
        Assert.DoesNotContain(ids, CharTokenizer.IsSpecial);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Other_characters_become_question_marks_one_per_code_point()
    {
        Assert.Equal("caf? ? ??", tokenizer.Decode(tokenizer.Encode("café 🙂 \t\r")));
    }

    [Fact]
    public void Decode_skips_special_tokens()
    {
        var ids = new[] { CharTokenizer.BosId }.Concat(tokenizer.Encode("hi")).Append(CharTokenizer.EosId).Append(CharTokenizer.PadId);

        Assert.Equal("hi", tokenizer.Decode(ids));
    }
}
