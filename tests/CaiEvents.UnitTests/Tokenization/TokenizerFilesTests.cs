using System.Text.Json.Nodes;
using CaiEvents.Models.Tokenization;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Tokenization;

public class TokenizerFilesTests
{
    public static TheoryData<TokenizerStyle> AllStyles =>
        new() { TokenizerStyle.Gpt2, TokenizerStyle.Llama3, TokenizerStyle.Qwen2, TokenizerStyle.SentencePiece };

    [Theory]
    [MemberData(nameof(AllStyles))]
    public void Written_files_are_the_committed_fixtures_whose_ids_came_from_the_hugging_face_library(TokenizerStyle style)
    {
        // The fixtures' expected-ids.json were produced from these very files by tools/reference-tokenizer; if the writer
        // changes, the fixtures must be regenerated (docs/development.md).
        using var dir = new TempDir();
        TokenizerFiles.Write(dir.Path, style, vocabSize: 512);
        string fixture = HfTokenizerFixtureTests.FixtureDir(style.ToString().ToLowerInvariant());

        Assert.Equal(File.ReadAllText(Path.Combine(fixture, "tokenizer.json")), File.ReadAllText(dir.File("tokenizer.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(fixture, "tokenizer_config.json")), File.ReadAllText(dir.File("tokenizer_config.json")));
    }

    [Theory]
    [MemberData(nameof(AllStyles))]
    public void Written_files_load_back_with_the_styles_special_tokens(TokenizerStyle style)
    {
        using var dir = new TempDir();
        TokenizerFiles.Write(dir.Path, style, vocabSize: 400, chatTemplate: "{{ messages }}", modelMaxLength: 4096);
        using var tokenizer = HfTokenizer.Load(dir.Path);

        Assert.Equal(400, tokenizer.VocabCount);
        Assert.Equal("{{ messages }}", tokenizer.Config.ChatTemplate);
        Assert.Equal(4096, tokenizer.Config.ModelMaxLength);
        Assert.Equal("the moon", tokenizer.Decode(tokenizer.Encode("the moon")));
        switch (style)
        {
            case TokenizerStyle.Gpt2:
                Assert.Equal(tokenizer.TokenToId("<|endoftext|>"), tokenizer.EndOfTextId);
                Assert.Null(tokenizer.BeginOfTextId);
                break;
            case TokenizerStyle.Llama3:
                Assert.Equal(tokenizer.TokenToId("<|end_of_text|>"), tokenizer.EndOfTextId);
                Assert.Equal(tokenizer.TokenToId("<|begin_of_text|>"), tokenizer.BeginOfTextId);
                Assert.NotNull(tokenizer.TokenToId("<|start_header_id|>"));
                Assert.NotNull(tokenizer.TokenToId("<|end_header_id|>"));
                Assert.NotNull(tokenizer.TokenToId("<|eot_id|>"));
                break;
            case TokenizerStyle.SentencePiece:
                Assert.Equal(2, tokenizer.EndOfTextId);
                Assert.Equal(1, tokenizer.BeginOfTextId);
                Assert.Equal(tokenizer.EndOfTextId, tokenizer.PadId);
                Assert.Equal("<unk>", tokenizer.Config.UnkToken);
                // Byte fallback: a character the vocabulary lacks becomes its UTF-8 bytes, <0xC3> <0xA9> for 'é'.
                Assert.Equal([tokenizer.TokenToId("<0xC3>")!.Value, tokenizer.TokenToId("<0xA9>")!.Value], tokenizer.Encode("é")[^2..]);
                break;
            default:
                Assert.Equal(tokenizer.TokenToId("<|endoftext|>"), tokenizer.EndOfTextId);
                Assert.Null(tokenizer.BeginOfTextId);
                Assert.Equal(tokenizer.TokenToId("<|im_start|>"), tokenizer.Encode("<|im_start|>")[0]);
                Assert.Equal(tokenizer.TokenToId("<|im_end|>"), tokenizer.Encode("<|im_end|>")[0]);
                break;
        }
    }

    [Fact]
    public void Writing_is_deterministic_and_a_chat_template_is_written_only_when_given()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        TokenizerFiles.Write(a.Path, TokenizerStyle.Qwen2, vocabSize: 400);
        TokenizerFiles.Write(b.Path, TokenizerStyle.Qwen2, vocabSize: 400);

        Assert.Equal(File.ReadAllBytes(a.File("tokenizer.json")), File.ReadAllBytes(b.File("tokenizer.json")));
        Assert.Equal(File.ReadAllBytes(a.File("tokenizer_config.json")), File.ReadAllBytes(b.File("tokenizer_config.json")));
        Assert.False(Config(a).ContainsKey("chat_template"));
    }

    [Theory]
    [InlineData(TokenizerStyle.Gpt2, null)]
    [InlineData(TokenizerStyle.Llama3, PreTokenizerPatterns.Llama3)]
    [InlineData(TokenizerStyle.Qwen2, PreTokenizerPatterns.Qwen2)]
    [InlineData(TokenizerStyle.SentencePiece, null)]
    public void The_pre_tokenizer_carries_the_named_pattern_exactly(TokenizerStyle style, string? splitPattern)
    {
        using var dir = new TempDir();
        TokenizerFiles.Write(dir.Path, style, vocabSize: 400);
        var pre = JsonNode.Parse(File.ReadAllText(dir.File("tokenizer.json")))!["pre_tokenizer"]!;

        if (style == TokenizerStyle.SentencePiece)
        {
            Assert.Equal("Metaspace", (string?)pre["type"]);
            Assert.Equal("\u2581", (string?)pre["replacement"]);
        }
        else if (splitPattern is null)
        {
            Assert.Equal("ByteLevel", (string?)pre["type"]);
            Assert.True((bool?)pre["use_regex"]);
        }
        else
        {
            Assert.Equal("Split", (string?)pre["pretokenizers"]![0]!["type"]);
            Assert.Equal(splitPattern, (string?)pre["pretokenizers"]![0]!["pattern"]!["Regex"]);
            Assert.False((bool?)pre["pretokenizers"]![1]!["use_regex"]);
        }
    }

    [Theory]
    [InlineData(TokenizerStyle.Llama3, 260)]
    [InlineData(TokenizerStyle.SentencePiece, 300)]
    public void A_vocabulary_too_small_for_bytes_and_special_tokens_is_refused(TokenizerStyle style, int vocabSize)
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenizerFiles.Write(dir.Path, style, vocabSize));
    }

    [Fact]
    public void Merges_can_be_learned_from_the_callers_own_lines_with_chat_tokens_kept_whole()
    {
        // " zebra" is nowhere in the embedded page; repeated 50 times in the caller's lines it must become one token.
        string[] lines = [.. Enumerable.Repeat("<|im_start|>user\nA zebra, a zebra!<|im_end|>\n", 50)];
        using var own = new TempDir();
        using var page = new TempDir();
        TokenizerFiles.Write(own.Path, TokenizerStyle.Gpt2, lines, vocabSize: 300, extraSpecialTokens: ["<|im_start|>", "<|im_end|>"]);
        TokenizerFiles.Write(page.Path, TokenizerStyle.Gpt2, vocabSize: 300, extraSpecialTokens: ["<|im_start|>", "<|im_end|>"]);
        using var ownTokenizer = HfTokenizer.Load(own.Path);
        using var pageTokenizer = HfTokenizer.Load(page.Path);

        Assert.Single(ownTokenizer.Encode(" zebra"));
        Assert.True(pageTokenizer.Encode(" zebra").Length > 1);
        // 256 bytes, the merges the short text has repeated pairs for, and the three special tokens.
        Assert.InRange(ownTokenizer.VocabCount, 256 + 3 + 1, 300);
        int start = ownTokenizer.TokenToId("<|im_start|>")!.Value, end = ownTokenizer.TokenToId("<|im_end|>")!.Value;
        var ids = ownTokenizer.Encode("<|im_start|>user\nA zebra<|im_end|>");
        Assert.Equal(start, ids[0]);
        Assert.Equal(end, ids[^1]);
        Assert.Equal("<|im_start|>user\nA zebra<|im_end|>", ownTokenizer.Decode(ids));
    }

    private static JsonObject Config(TempDir dir) => JsonNode.Parse(File.ReadAllText(dir.File("tokenizer_config.json")))!.AsObject();
}
