using System.Text.Json;
using CaiEvents.Models;
using CaiEvents.Models.Tokenization;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Tokenization;

public class HfTokenizerConfigTests
{
    private const string Path = "/m/tokenizer_config.json";

    [Fact]
    public void Token_fields_may_be_strings_or_added_token_objects()
    {
        var config = Parse("""
            {
              "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false},
              "eos_token": "</s>",
              "pad_token": null,
              "unk_token": {"content": "<unk>"},
              "add_bos_token": true,
              "add_eos_token": false
            }
            """);

        Assert.Equal("<s>", config.BosToken);
        Assert.Equal("</s>", config.EosToken);
        Assert.Null(config.PadToken);
        Assert.Equal("<unk>", config.UnkToken);
        Assert.True(config.AddBosToken);
        Assert.False(config.AddEosToken);
        Assert.Null(config.ChatTemplate);
        Assert.Empty(config.AddedTokens);
    }

    [Fact]
    public void A_list_of_chat_templates_keeps_the_default_one_and_names_them_all()
    {
        var config = Parse("""
            {"chat_template": [{"name": "tool_use", "template": "T {{ tools }}"}, {"name": "default", "template": "D {{ messages }}"}]}
            """);

        Assert.Equal("D {{ messages }}", config.ChatTemplate);
        Assert.Equal(["default", "tool_use"], config.NamedChatTemplates.Keys.Order());
        Assert.Equal("T {{ tools }}", config.NamedChatTemplates["tool_use"]);
    }

    [Fact]
    public void A_string_chat_template_is_kept_as_raw_text()
    {
        var config = Parse("""{"chat_template": "{% for m in messages %}{{ m['content'] }}\n{% endfor %}"}""");
        Assert.Equal("{% for m in messages %}{{ m['content'] }}\n{% endfor %}", config.ChatTemplate);
        Assert.Empty(config.NamedChatTemplates);
    }

    [Fact]
    public void Added_tokens_decoder_is_read_by_id_and_the_unlimited_length_sentinel_is_null()
    {
        var config = Parse("""
            {
              "added_tokens_decoder": {
                "7": {"content": "<|im_end|>", "special": true},
                "5": {"content": "extra", "special": false}
              },
              "model_max_length": 1000000000000000019884624838656
            }
            """);

        Assert.Equal([new HfAddedToken(5, "extra", false), new HfAddedToken(7, "<|im_end|>", true)], config.AddedTokens);
        Assert.Null(config.ModelMaxLength);
        Assert.Equal(2048, Parse("""{"model_max_length": 2048}""").ModelMaxLength);
    }

    [Theory]
    [InlineData("""{"eos_token": 5}""", "eos_token")]
    [InlineData("""{"bos_token": {"lstrip": false}}""", "bos_token")]
    [InlineData("""{"add_bos_token": "yes"}""", "add_bos_token")]
    [InlineData("""{"chat_template": 3}""", "chat_template")]
    [InlineData("""{"chat_template": [{"name": "default"}]}""", "chat_template")]
    [InlineData("""{"added_tokens_decoder": {"x": {"content": "a"}}}""", "added_tokens_decoder.x")]
    [InlineData("""{"added_tokens_decoder": {"3": {"special": true}}}""", "added_tokens_decoder.3")]
    [InlineData("""{"model_max_length": "long"}""", "model_max_length")]
    public void Malformed_fields_are_one_line_errors_naming_file_and_field(string json, string field)
    {
        var ex = Assert.Throws<CheckpointFormatException>(() => Parse(json));
        SafeTensorsTests.AssertOneLine(ex, Path);
        Assert.Contains($"'{field}'", ex.Message);
    }

    [Fact]
    public void A_missing_or_invalid_file_is_a_one_line_error_naming_it()
    {
        using var dir = new TempDir();
        string path = dir.File(HfTokenizerConfig.FileName);
        var missing = Assert.Throws<CheckpointFormatException>(() => HfTokenizerConfig.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(missing, path);

        File.WriteAllText(path, "{ \"eos_token\": \n");
        var invalid = Assert.Throws<CheckpointFormatException>(() => HfTokenizerConfig.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(invalid, path);
        Assert.Contains("not valid JSON", invalid.Message);

        File.WriteAllText(path, "[1, 2]");
        SafeTensorsTests.AssertOneLine(Assert.Throws<CheckpointFormatException>(() => HfTokenizerConfig.Load(dir.Path)), path);
    }

    private static HfTokenizerConfig Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return HfTokenizerConfig.Parse(document.RootElement, Path);
    }
}
