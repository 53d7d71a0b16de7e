using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Gguf;

namespace CaiEvents.UnitTests.Models.Gguf;

/// <summary>A gguf: model has the chat template its file carries (<c>tokenizer.chat_template</c>), recognised like a checkpoint's.</summary>
public class GgufChatTemplateTests
{
    [Theory]
    [InlineData("qwen2", "chatml")]
    [InlineData("llama", "llama3")]
    [InlineData("mistral", "mistral")]
    public void A_converted_instruct_checkpoint_keeps_its_template_and_eos_text(string architecture, string family)
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.File("hf"), architecture, "tiny", seed: 5, family);
        HfToGgufConverter.Convert(dir.File("hf"), dir.File("m.gguf"), GgufFileType.F32);
        // Expected values straight from the checkpoint's files, not from the code under test.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.File("hf"), "tokenizer_config.json")))!;
        var templateText = (string)config["chat_template"]!;
        var eosText = config["eos_token"] is JsonObject eosObject ? (string)eosObject["content"]! : (string)config["eos_token"]!;

        using var model = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + dir.File("m.gguf"), threads: 1);

        Assert.NotNull(model.ChatTemplate);
        Assert.Equal(family, model.ChatTemplate.Family);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(templateText))), model.ChatTemplate.Sha256);
        Assert.Equal(eosText, model.ChatTemplate.EosToken);
        Assert.Equal(family, ((ITextModel)model).ChatTemplate?.Family);
    }

    [Fact]
    public void A_base_checkpoint_has_none_and_an_override_names_the_family()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.File("hf"), "qwen3", "tiny", seed: 5);
        HfToGgufConverter.Convert(dir.File("hf"), dir.File("m.gguf"), GgufFileType.F32);

        using (var model = LlamaCppTextModel.Load(dir.File("m.gguf"), threads: 1)) Assert.Null(model.ChatTemplate);
        using var chatml = (LlamaCppTextModel)ModelCatalog.Load(LlamaCppTextModel.Scheme + dir.File("m.gguf"),
            ModelOptions.Cpu with { ChatTemplate = "chatml" });
        Assert.Equal("chatml", chatml.ChatTemplate?.Family);
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            chatml.ChatTemplate!.Render([new CaiEvents.Contracts.ChatMessage("user", "hi")], addGenerationPrompt: true));
    }

    [Fact]
    public void An_unrecognised_template_is_refused_naming_the_known_families()
    {
        var file = new GgufFile(3, new OrderedDictionary<string, GgufMetadataValue>
        {
            ["tokenizer.chat_template"] = GgufMetadataValue.String("{% for m in messages %}<<{{ m.content }}>>{% endfor %}"),
        }, [], 32, 0);

        var e = Assert.Throws<ChatTemplateException>(() => GgufChatTemplate.From(file));

        Assert.Contains("known families are llama3, chatml", e.Message);
    }
}
