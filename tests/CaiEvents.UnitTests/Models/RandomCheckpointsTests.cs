using System.Text.Json.Nodes;
using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Chat;

namespace CaiEvents.UnitTests.Models;

public class RandomCheckpointsTests
{
    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("mistral")]
    [InlineData("qwen2")]
    [InlineData("qwen3")]
    public void Every_architecture_writes_a_checkpoint_that_loads_as_hf_and_has_the_same_bytes_for_the_same_seed(string architecture)
    {
        using var dir = new TempDir();
        var sha = RandomCheckpoints.Write(dir.File("a"), architecture, "tiny", seed: 3);
        var again = RandomCheckpoints.Write(dir.File("b"), architecture, "tiny", seed: 3);
        var other = RandomCheckpoints.Write(dir.File("c"), architecture, "tiny", seed: 4);

        Assert.Equal(sha, again);
        Assert.NotEqual(sha, other);
        using var model = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.File("a")), ModelOptions.Cpu);
        Assert.Equal(sha, model.Identity.CheckpointHash);
        Assert.Equal(architecture, model.Architecture.Name);
        Assert.Null(model.ChatTemplate);
        var config = JsonNode.Parse(File.ReadAllText(dir.File("a/config.json")))!;
        Assert.Equal(architecture, (string?)config["model_type"]);
    }

    [Fact]
    public void An_instruct_checkpoint_has_its_template_turn_tokens_and_stops_at_the_end_of_turn()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, "qwen2", "tiny", seed: 1, chatTemplate: "chatml");

        using var model = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu);

        Assert.Equal("chatml", model.ChatTemplate!.Family);
        Assert.Equal(ChatTemplates.TemplateText("chatml"), model.ChatTemplate.Text);
        var imEnd = Assert.Single(model.Tokenizer.Encode("<|im_end|>"));
        Assert.Contains(imEnd, model.Tokenizer.StopIds);
        var generation = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "generation_config.json")))!;
        Assert.Contains(imEnd, generation["eos_token_id"]!.AsArray().Select(n => (int)n!));
    }

    [Fact]
    public void The_explicit_template_overrides_the_checkpoint_and_an_unknown_one_is_refused()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, "llama", "tiny", seed: 1);

        using var model = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu with { ChatTemplate = "zephyr" });

        Assert.Equal("zephyr", model.ChatTemplate!.Family);
        var e = Assert.Throws<ChatTemplateException>(() => ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu with { ChatTemplate = "jinja9" }));
        Assert.Contains("chatml", e.Message);
        Assert.Throws<ArgumentException>(() => RandomCheckpoints.Write(dir.File("g"), "gpt2", "tiny", 1, "chatml"));
        Assert.Throws<ArgumentException>(() => RandomCheckpoints.Write(dir.File("x"), "falcon", "tiny", 1));
    }

    [Fact]
    public void A_saved_llama_model_keeps_its_tokenizer_files_and_loads_with_the_same_hash()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.File("a"), "llama", "tiny", seed: 2, chatTemplate: "llama3");
        using var model = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.File("a")), ModelOptions.Cpu);

        model.Save(dir.File("b"));

        Assert.Equal(File.ReadAllBytes(dir.File("a/tokenizer.json")), File.ReadAllBytes(dir.File("b/tokenizer.json")));
        Assert.Equal(File.ReadAllBytes(dir.File("a/tokenizer_config.json")), File.ReadAllBytes(dir.File("b/tokenizer_config.json")));
        using var reloaded = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.File("b")), ModelOptions.Cpu);
        Assert.Equal(model.Identity.CheckpointHash, reloaded.Identity.CheckpointHash);
        Assert.Equal(model.CurrentWeightsSha256(), reloaded.Identity.CheckpointHash);
        Assert.Equal("llama3", reloaded.ChatTemplate!.Family);
    }
}
