using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Llama;
using CaiEvents.Models.Preference;
using CaiEvents.UnitTests.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Preference;

/// <summary>
/// A preference model over an instruct backbone scores (prompt, response) in the backbone's chat format, records that format
/// in what it saves and refuses to load as another. Expected texts are ChatML written out by hand.
/// </summary>
public sealed class RewardModelChatFormatTests
{
    [Fact]
    public void An_instruct_backbone_scores_the_exchange_as_a_user_turn_and_a_closed_assistant_turn()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, "llama", "tiny", seed: 1, chatTemplate: "chatml");

        using var model = RewardModel.FromModelId(ModelIds.Hf(dir.Path), ModelOptions.Cpu, headSeed: 5);

        Assert.Equal("<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\nBecause.<|im_end|>", model.FormatExchange("Why?", "Because."));
        Assert.StartsWith("chatml@", model.FormatName, StringComparison.Ordinal);
        var ids = model.Encode("Why?", "Because.");
        Assert.Equal(Assert.Single(model.Tokenizer.Encode("<|im_end|>")), ids[^1]);
        Assert.Equal("Human: Why?\n\nAssistant: Because.", RewardModel.Format("Why?", "Because.")); // the text layout is unchanged
    }

    [Fact]
    public void A_base_backbone_keeps_the_papers_text_and_saves_no_format_file()
    {
        using var dir = new TempDir();
        using var model = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed: 5);

        model.Save(dir.Path);

        Assert.Equal("Human: Why?\n\nAssistant: Because.", model.FormatExchange("Why?", "Because."));
        Assert.Equal(RewardModel.TextFormat, model.FormatName);
        Assert.False(File.Exists(Path.Combine(dir.Path, RewardModel.FormatFileName)));
        using var loaded = RewardModel.Load(dir.Path, ModelOptions.Cpu);
        Assert.Equal(RewardModel.TextFormat, loaded.FormatName);
    }

    [Fact]
    public void A_saved_chat_reward_model_records_its_format_loads_with_the_same_scores_and_refuses_another_template()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.File("base"), "qwen2", "tiny", seed: 1, chatTemplate: "chatml");
        using var model = RewardModel.FromModelId(ModelIds.Hf(dir.File("base")), ModelOptions.Cpu, headSeed: 5);
        float before;
        using (NewDisposeScope())
        using (no_grad())
        {
            var (ids, mask) = model.LeftPad([model.Encode("Why?", "Because.")]);
            before = model.Scores(ids, mask).item<float>();
        }

        model.Save(dir.File("pm"));

        Assert.Equal(model.FormatName, RewardModel.SavedFormat(dir.File("pm")));
        Assert.Equal(model.ComputeSha256(), RewardModel.FileSha256(dir.File("pm")));
        using (var loaded = RewardModel.Load(dir.File("pm"), ModelOptions.Cpu))
        using (NewDisposeScope())
        using (no_grad())
        {
            Assert.Equal(model.FormatName, loaded.FormatName);
            var (ids, mask) = loaded.LeftPad([loaded.Encode("Why?", "Because.")]);
            Assert.Equal(before, loaded.Scores(ids, mask).item<float>());
        }
        var e = Assert.Throws<CheckpointFormatException>(() => RewardModel.Load(dir.File("pm"), ModelOptions.Cpu with { ChatTemplate = "zephyr" }));
        Assert.Contains(model.FormatName, e.Message);
        Assert.Contains("zephyr@", e.Message);
    }

    [Fact]
    public void The_checkpoint_hash_of_a_sharded_directory_is_the_one_its_model_loads_with()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, "llama", "tiny", seed: 2, chatTemplate: "chatml");
        using (var policy = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu))
        {
            File.Delete(Path.Combine(dir.Path, LocalCheckpoint.WeightsFileName));
            LlamaCheckpoint.Save((LlamaModel)policy.Network, dir.Path, maxShardBytes: 64 * 1024);
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, LocalCheckpoint.ShardIndexFileName)));

        using var reloaded = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu);

        Assert.Equal(reloaded.Identity.CheckpointHash, RewardModel.FileSha256(dir.Path));
    }
}
