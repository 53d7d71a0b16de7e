using System.Text;
using System.Text.Json;
using CaiEvents.Models;

namespace CaiEvents.UnitTests.Models;

public class Gpt2TokenizerTests
{
    public static TheoryData<string> Texts => new()
    {
        "Hello, world!",
        "Grüße 🙂🚀 日本語\r\n\t  end",
        "line one\nline two\n\n\nlast",
        "emoji family 👨‍👩‍👧 and flags 🇳🇱",
        "  leading and trailing spaces  ",
        "it's what we'll do, they've said; I'm sure it'd work",
        "numbers 12345 and symbols <>&\"'\\ ~",
        "\u0000\u0001 control \u007f bytes",
        "",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Byte_level_vocabulary_round_trips_any_text_one_token_per_utf8_byte(string text)
    {
        var tokenizer = Gpt2Tokenizer.ByteLevel();

        var ids = tokenizer.Encode(text);

        Assert.Equal(Encoding.UTF8.GetBytes(text).Select(b => (int)b), ids);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Merges_vocabulary_round_trips_any_text(string text)
    {
        var tokenizer = WithMerges();

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Merges_apply_in_priority_order_within_gpt2_pre_tokens()
    {
        var tokenizer = WithMerges();
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(tokenizer.VocabJson)!;

        var ids = tokenizer.Encode("hello hello\n");

        // "hello" and " hello" (Ġ marks the space) are separate pre-tokens; each merges fully.
        Assert.Equal(new[] { vocab["hello"], vocab["Ġhello"], vocab["Ċ"] }, ids);
    }

    [Fact]
    public void End_of_text_is_one_special_token_in_text_and_decodes_to_its_literal()
    {
        var tokenizer = Gpt2Tokenizer.ByteLevel();

        var ids = tokenizer.Encode("a<|endoftext|>b");

        Assert.Equal(new[] { 'a', 256, 'b' }, ids);
        Assert.Equal(256, tokenizer.EndOfTextId);
        Assert.Equal(257, tokenizer.VocabCount);
        Assert.Equal("a<|endoftext|>b", tokenizer.Decode(ids));
    }

    [Fact]
    public void Vocabulary_without_end_of_text_or_bytes_is_rejected()
    {
        Assert.Throws<CheckpointFormatException>(() => Gpt2Tokenizer.FromText("{\"a\":0}", ""));
        Assert.Throws<CheckpointFormatException>(() => Gpt2Tokenizer.FromText("{\"a\":0,\"<|endoftext|>\":1}", ""));
        Assert.Throws<CheckpointFormatException>(() => Gpt2Tokenizer.FromText("[1,2]", ""));
    }

    /// <summary>Byte-level vocabulary plus merges that build "hello" and "Ġhello".</summary>
    private static Gpt2Tokenizer WithMerges()
    {
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(Gpt2Tokenizer.ByteLevel().VocabJson)!;
        string[] merges = ["h e", "l l", "he ll", "hell o", "Ġ hello"];
        foreach (var merge in merges)
        {
            vocab[merge.Replace(" ", "")] = vocab.Count;
        }
        var mergesText = "#version: 0.2\n" + string.Join("\n", merges) + "\n";
        return Gpt2Tokenizer.FromText(JsonSerializer.Serialize(vocab), mergesText);
    }
}
