using CaiEvents.Models;
using CaiEvents.Models.Preference;
using CaiEvents.UnitTests.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Preference;

public class RewardModelTests
{
    private static RewardModel Tiny(long headSeed = 7) => RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu, headSeed);

    [Fact]
    public void Scores_are_the_token_scores_at_each_rows_last_real_token_for_left_and_right_padding()
    {
        using var model = Tiny();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 256, 256, 5, 6, 7, /**/ 1, 2, 3, 256, 256, /**/ 9, 8, 7, 6, 5 }, [3, 5]);
        var mask = tensor(new long[] { 0, 0, 1, 1, 1, /**/ 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1 }, [3, 5]);

        var perToken = model.TokenScores(ids, mask);
        var scores = model.Scores(ids, mask);

        Assert.Equal(new long[] { 3, 5 }, perToken.shape);
        Assert.Equal(new long[] { 3 }, scores.shape);
        Assert.Equal(perToken[0, 4].item<float>(), scores[0].item<float>());
        Assert.Equal(perToken[1, 2].item<float>(), scores[1].item<float>());
        Assert.Equal(perToken[2, 4].item<float>(), scores[2].item<float>());
        Assert.NotEqual(scores[0].item<float>(), scores[2].item<float>());
    }

    [Fact]
    public void Left_padding_does_not_change_a_score()
    {
        using var model = Tiny();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var shortRow = model.Encode("Hi", "Hello there.");
        var longRow = model.Encode("Tell me something longer, please.", "Here is a longer answer than the other one.");

        var (ids, mask) = model.LeftPad([shortRow, longRow]);
        var batched = model.Scores(ids, mask);
        var (aloneIds, aloneMask) = model.LeftPad([shortRow]);
        var alone = model.Scores(aloneIds, aloneMask);

        Assert.True(ids.shape[1] > shortRow.Length, "the short row should be padded");
        Assert.Equal(alone[0].item<float>(), batched[0].item<float>(), 5);
    }

    [Fact]
    public async Task Save_and_load_round_trip_the_weights_the_head_and_the_hash()
    {
        using var dir = new TempDir();
        using var model = Tiny(headSeed: 11);
        model.Save(dir.Path);
        var sha = RewardModel.FileSha256(dir.Path);
        Assert.Equal(model.ComputeSha256(), sha);

        using var loaded = RewardModel.Load(dir.Path, ModelOptions.Cpu);
        Assert.Equal(sha, loaded.ComputeSha256());
        using (NewDisposeScope())
        using (no_grad())
        {
            var (ids, mask) = model.LeftPad([model.Encode("a", "b"), model.Encode("question", "answer")]);
            Assert.True(model.Scores(ids, mask).allclose(loaded.Scores(ids, mask), rtol: 0, atol: 0));
        }

        // The scorer scores through the one text format and agrees with the module.
        using var scorer = RewardScorer.Load(dir.Path, ModelOptions.Cpu);
        Assert.Equal(sha, scorer.Identity.CheckpointHash);
        var scores = await scorer.ScoreAsync([("a", "b"), ("question", "answer")]);
        using (NewDisposeScope())
        using (no_grad())
        {
            var (ids, mask) = model.LeftPad([model.Encode("question", "answer")]);
            Assert.Equal(model.Scores(ids, mask)[0].item<float>(), scores[1], 5);
        }
    }

    [Fact]
    public void A_plain_gpt2_directory_loads_with_a_fresh_seeded_head_but_not_as_a_finished_reward_model()
    {
        using var dir = new TempDir();
        using (var policy = Gpt2Architecture.CreateRandom("builtin:tiny", ModelCatalog.TinyConfig, Gpt2Tokenizer.ByteLevel(), ModelOptions.Cpu))
        {
            policy.Save(dir.Path);
        }
        using var a = RewardModel.FromModelId("hf:" + dir.Path, ModelOptions.Cpu, headSeed: 3);
        using var b = RewardModel.FromModelId("hf:" + dir.Path, ModelOptions.Cpu, headSeed: 3);
        using var c = RewardModel.FromModelId("hf:" + dir.Path, ModelOptions.Cpu, headSeed: 4);
        Assert.Equal(a.ComputeSha256(), b.ComputeSha256());
        Assert.NotEqual(a.ComputeSha256(), c.ComputeSha256());

        var e = Assert.Throws<CheckpointFormatException>(() => RewardModel.Load(dir.Path, ModelOptions.Cpu));
        Assert.Contains(RewardModel.ScoreWeightName, e.Message);
    }

    [Fact]
    public void Format_is_the_human_assistant_exchange()
    {
        Assert.Equal("Human: Why?\n\nAssistant: Because.", RewardModel.Format("Why?", "Because."));
    }
}
