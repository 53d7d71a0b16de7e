using System.Text.Json.Nodes;
using CaiEvents.Models;
using CaiEvents.Models.Tokenization;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Tokenization;

/// <summary>How HfTokenizer reads special tokens, bos and stop ids from a checkpoint directory, and how it reports broken ones.</summary>
public class HfTokenizerTests
{
    // Ids in the llama3 fixture (tokenizer.json's added_tokens): bos 507, eos 508, <|eot_id|> 511.
    private const int Llama3Bos = 507, Llama3Eos = 508, Llama3EndOfTurn = 511;

    [Fact]
    public void Stop_ids_add_the_eos_ids_of_generation_config_as_a_list_or_a_single_id()
    {
        using var dir = CopyOf("llama3");
        File.WriteAllText(dir.File("generation_config.json"), $$"""{"bos_token_id": 507, "eos_token_id": [{{Llama3Eos}}, {{Llama3EndOfTurn}}]}""");
        using (var tokenizer = HfTokenizer.Load(dir.Path))
        {
            Assert.Equal(Llama3Eos, tokenizer.EndOfTextId);
            Assert.Equal([Llama3Eos, Llama3EndOfTurn], tokenizer.StopIds.Order());
            Assert.Equal(Llama3Bos, tokenizer.BeginOfTextId);
            Assert.Equal(512, tokenizer.VocabCount);

            // What generation sees through the interface, not its default members.
            ITextTokenizer seam = tokenizer;
            Assert.Equal([Llama3Eos, Llama3EndOfTurn], seam.StopIds.Order());
            Assert.Equal(Llama3Bos, seam.BeginOfTextId);
        }

        File.WriteAllText(dir.File("generation_config.json"), $$"""{"eos_token_id": {{Llama3EndOfTurn}}}""");
        using (var tokenizer = HfTokenizer.Load(dir.Path))
        {
            Assert.Equal([Llama3Eos, Llama3EndOfTurn], tokenizer.StopIds.Order());
        }
    }

    [Fact]
    public void Without_generation_config_the_only_stop_id_is_eos_and_pad_falls_back_to_it()
    {
        using var dir = CopyOf("qwen2");
        EditConfig(dir, c => c.Remove("pad_token"));
        using var tokenizer = HfTokenizer.Load(dir.Path);

        Assert.Equal(tokenizer.TokenToId("<|endoftext|>"), tokenizer.EndOfTextId);
        Assert.Equal([tokenizer.EndOfTextId], tokenizer.StopIds);
        Assert.Equal(tokenizer.EndOfTextId, tokenizer.PadId);
        Assert.Null(tokenizer.BeginOfTextId);
    }

    [Fact]
    public void Without_add_bos_token_the_post_processor_template_decides_and_the_flag_overrides_it()
    {
        using var dir = CopyOf("llama3");
        EditConfig(dir, c => c.Remove("add_bos_token"));
        using (var fromTemplate = HfTokenizer.Load(dir.Path)) Assert.Equal(Llama3Bos, fromTemplate.BeginOfTextId);

        EditConfig(dir, c => c["add_bos_token"] = false);
        using (var off = HfTokenizer.Load(dir.Path)) Assert.Null(off.BeginOfTextId);

        using var gpt2 = CopyOf("gpt2");
        EditConfig(gpt2, c =>
        {
            c["bos_token"] = new JsonObject { ["content"] = "<|endoftext|>", ["special"] = true };
            c["add_bos_token"] = true;
        });
        using var on = HfTokenizer.Load(gpt2.Path);
        Assert.Equal(on.TokenToId("<|endoftext|>"), on.BeginOfTextId);
    }

    [Fact]
    public void Config_and_chat_template_are_exposed()
    {
        using var dir = CopyOf("qwen2");
        EditConfig(dir, c => c["chat_template"] = "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}");
        using var tokenizer = HfTokenizer.Load(dir.Path);

        Assert.Equal("{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}", tokenizer.Config.ChatTemplate);
        Assert.Equal(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], tokenizer.AddedTokens.Select(t => t.Content));
        Assert.All(tokenizer.AddedTokens, t => Assert.True(t.Special));
    }

    [Fact]
    public void Missing_files_are_one_line_errors_naming_them()
    {
        using var dir = new TempDir();
        var noJson = Assert.Throws<CheckpointFormatException>(() => HfTokenizer.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(noJson, dir.File("tokenizer.json"));

        File.Copy(System.IO.Path.Combine(HfTokenizerFixtureTests.FixtureDir("gpt2"), "tokenizer.json"), dir.File("tokenizer.json"));
        var noConfig = Assert.Throws<CheckpointFormatException>(() => HfTokenizer.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(noConfig, dir.File("tokenizer_config.json"));

        string nowhere = dir.File("nowhere");
        SafeTensorsTests.AssertOneLine(Assert.Throws<CheckpointFormatException>(() => HfTokenizer.Load(nowhere)), nowhere);
    }

    [Fact]
    public void Special_tokens_that_are_not_in_the_vocabulary_or_a_missing_eos_are_one_line_errors()
    {
        using var dir = CopyOf("gpt2");
        EditConfig(dir, c => c["eos_token"] = "</s>");
        var unknown = Assert.Throws<CheckpointFormatException>(() => HfTokenizer.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(unknown, dir.File("tokenizer_config.json"));
        Assert.Contains("'eos_token'", unknown.Message);
        Assert.Contains("'</s>'", unknown.Message);

        EditConfig(dir, c => c.Remove("eos_token"));
        var missing = Assert.Throws<CheckpointFormatException>(() => HfTokenizer.Load(dir.Path));
        Assert.Contains("'eos_token'", missing.Message);

        File.WriteAllText(dir.File("generation_config.json"), """{"eos_token_id": "two"}""");
        var badGeneration = Assert.Throws<CheckpointFormatException>(() => HfTokenizer.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(badGeneration, dir.File("generation_config.json"));
        Assert.Contains("'eos_token_id'", badGeneration.Message);
    }

    [Theory]
    [InlineData("model", null)]
    [InlineData("model.vocab", "vocab")]
    [InlineData("added_tokens", "added_tokens")]
    public void A_malformed_tokenizer_json_is_a_one_line_error_naming_the_field(string field, string? removeFromModel)
    {
        using var dir = CopyOf("gpt2");
        var json = JsonNode.Parse(File.ReadAllText(dir.File("tokenizer.json")))!.AsObject();
        if (field == "added_tokens") json["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 3 });
        else if (removeFromModel is null) json.Remove("model");
        else json["model"]!.AsObject().Remove(removeFromModel);
        File.WriteAllText(dir.File("tokenizer.json"), json.ToJsonString());

        var ex = Assert.Throws<CheckpointFormatException>(() => HfTokenizer.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(ex, dir.File("tokenizer.json"));
        Assert.Contains($"'{field}'", ex.Message);
    }

    [Fact]
    public void A_tokenizer_json_the_library_rejects_is_a_one_line_error()
    {
        using var dir = CopyOf("gpt2");
        var json = JsonNode.Parse(File.ReadAllText(dir.File("tokenizer.json")))!.AsObject();
        json["model"]!["type"] = "NoSuchModel";
        File.WriteAllText(dir.File("tokenizer.json"), json.ToJsonString());

        var ex = Assert.Throws<CheckpointFormatException>(() => HfTokenizer.Load(dir.Path));
        SafeTensorsTests.AssertOneLine(ex, dir.File("tokenizer.json"));
        Assert.Contains("tokenizers library cannot load it", ex.Message);
    }

    [Fact]
    public void Decode_rejects_ids_outside_the_vocabulary_and_empty_input_is_empty()
    {
        using var tokenizer = HfTokenizer.Load(HfTokenizerFixtureTests.FixtureDir("gpt2"));
        Assert.Empty(tokenizer.Encode(""));
        Assert.Equal("", tokenizer.Decode([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([tokenizer.VocabCount]));
    }

    internal static TempDir CopyOf(string style)
    {
        var dir = new TempDir();
        foreach (string file in Directory.GetFiles(HfTokenizerFixtureTests.FixtureDir(style)))
        {
            File.Copy(file, dir.File(System.IO.Path.GetFileName(file)));
        }
        return dir;
    }

    private static void EditConfig(TempDir dir, Action<JsonObject> edit)
    {
        string path = dir.File("tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
    }
}
