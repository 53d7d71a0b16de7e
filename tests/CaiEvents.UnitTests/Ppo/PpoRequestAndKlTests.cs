using CaiEvents.Models;
using CaiEvents.Models.Rl;
using CaiEvents.UnitTests.Models;
using CaiEvents.Workers.PPOLearner;

namespace CaiEvents.UnitTests.Ppo;

/// <summary>TrainPolicy's hyper-parameter keys, and the sequence-KL evaluation helper.</summary>
public class PpoRequestAndKlTests
{
    [Fact]
    public void Hyper_parameters_parse_with_defaults_and_name_a_bad_or_unknown_key()
    {
        var hp = PpoCommandRequest.Parse(50, 7, new Dictionary<string, string> { ["lr"] = "3e-5", ["kl_target"] = "4", ["rollouts_per_step"] = "32" });
        Assert.Equal((50, 7L, 32, 3e-5, 6e-5, 4.0), (hp.Steps, hp.Seed, hp.RolloutsPerStep, hp.LearningRate, hp.ValueLearningRate, hp.KlTarget!.Value));
        Assert.Equal((8, 2, 0.1, 32.0, 48, 10), (hp.MiniBatchSize, hp.Epochs, hp.InitialKlCoefficient, hp.KlHorizon, hp.MaxNewTokens, hp.CheckpointEvery));
        Assert.Null(PpoCommandRequest.Parse(1, 1, new Dictionary<string, string> { ["kl_target"] = "0" }).KlTarget); // 0 = fixed coefficient
        Assert.Equal(1e-4, PpoCommandRequest.Parse(1, 1, new Dictionary<string, string> { ["value_lr"] = "1e-4" }).ValueLearningRate);
        Assert.Contains("'kl_horizont' is unknown", Assert.Throws<ArgumentException>(() => PpoCommandRequest.Parse(1, 1, new Dictionary<string, string> { ["kl_horizont"] = "3" })).Message);
        Assert.Contains("'minibatch_size' must be a whole number ≥ 1, got '0'", Assert.Throws<ArgumentException>(() => PpoCommandRequest.Parse(1, 1, new Dictionary<string, string> { ["minibatch_size"] = "0" })).Message);
        Assert.Contains("'lr' must be a number", Assert.Throws<ArgumentException>(() => PpoCommandRequest.Parse(1, 1, new Dictionary<string, string> { ["lr"] = "fast" })).Message);
        Assert.Equal(PpoCommandRequest.InProcessMode, PpoCommandRequest.RolloutMode(null));
        Assert.Equal(PpoCommandRequest.DistributedMode, PpoCommandRequest.RolloutMode("workers"));
        Assert.Throws<ArgumentException>(() => PpoCommandRequest.RolloutMode("gpu"));
    }

    [Fact]
    public async Task Sequence_kl_is_zero_against_itself_and_does_not_depend_on_the_padding_of_the_batch()
    {
        var config = ModelTestData.TinyConfig().WithoutDropout();
        using var policy = Gpt2Architecture.CreateRandom("builtin:tiny", config, Gpt2Tokenizer.ByteLevel(), ModelOptions.Cpu with { Seed = 3 });
        using var reference = Gpt2Architecture.CreateRandom("builtin:tiny", config, Gpt2Tokenizer.ByteLevel(), ModelOptions.Cpu with { Seed = 4 });
        var pad = policy.Tokenizer.EndOfTextId;
        var rollouts = new[]
        {
            new Rollout(policy.Tokenizer.Encode("Human: hi\n\nAssistant:").ToArray(), policy.Tokenizer.Encode(" hello there").ToArray(), 0),
            new Rollout(policy.Tokenizer.Encode("Human: a much longer question here\n\nAssistant:").ToArray(), policy.Tokenizer.Encode(" no").ToArray(), 0),
        };
        var (self, batched, alone0, alone1) = await TorchThread.RunAsync(() => (
            PpoTrainer.SequenceKl(policy.Network, policy.Network, rollouts, pad),
            PpoTrainer.SequenceKl(policy.Network, reference.Network, rollouts, pad),
            PpoTrainer.SequenceKl(policy.Network, reference.Network, [rollouts[0]], pad)[0],
            PpoTrainer.SequenceKl(policy.Network, reference.Network, [rollouts[1]], pad)[0]));
        Assert.All(self, v => Assert.Equal(0, v, 6));
        Assert.Equal(alone0, batched[0], 4);
        Assert.Equal(alone1, batched[1], 4);
        Assert.NotEqual(0, batched[0], 3); // two different random models disagree
    }
}
