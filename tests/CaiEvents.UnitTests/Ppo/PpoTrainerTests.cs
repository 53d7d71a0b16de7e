using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Rl;
using CaiEvents.UnitTests.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Ppo;

/// <summary>A tiny PPO loop on a random tiny GPT-2 with a fake reward (no preference model): the policy must move toward the reward.</summary>
public class PpoTrainerTests
{
    /// <summary>A value network for the tests: a GPT-2 backbone and a linear head, as the preference model has.</summary>
    private sealed class ValueNet : nn.Module
    {
        private readonly Gpt2Model backbone;
        private readonly Linear head;

        public ValueNet(Gpt2Config config, long seed) : base(nameof(ValueNet))
        {
            backbone = new Gpt2Model(config);
            backbone.InitializeWeights(seed);
            head = nn.Linear(config.NEmbd, 1);
            using (var generator = new Generator(unchecked((ulong)seed)))
            using (no_grad())
            {
                head.weight!.normal_(0, 0.02, generator);
                head.bias!.zero_();
            }
            RegisterComponents();
        }

        public Tensor TokenValues(Tensor ids, Tensor mask) => head.forward(backbone.HiddenStates(ids, mask)).squeeze(-1);
    }

    private const int Wanted = 'a'; // the fake reward: +1 when a response starts with a byte below 'a', −1 otherwise

    private static double FakeScore(IReadOnlyList<int> response) => response.Count > 0 && response[0] < Wanted ? 1 : -1;

    [Fact]
    public async Task A_few_ppo_steps_raise_the_fake_reward_and_stay_deterministic()
    {
        var first = await TrainAsync(steps: 6);
        var again = await TrainAsync(steps: 6);
        Assert.Equal(first.Metrics, again.Metrics); // same seed → the same rollouts, losses and coefficients on CPU
        Assert.True(first.After > first.Before + 0.1, $"P(first byte < 'a') went from {first.Before:0.000} to {first.After:0.000}");
        var m0 = first.Metrics[0];
        Assert.Equal(0, m0.MeanKl, 5); // the first rollouts come from a policy identical to the reference
        Assert.InRange(m0.ClipFraction, 0, 1);
        Assert.True(first.Metrics[^1].MeanKl > 0, "the policy moved away from the reference");
        Assert.True(first.Metrics.All(m => double.IsFinite(m.ValueLoss) && double.IsFinite(m.Entropy) && m.Entropy > 0));
    }

    private static async Task<(double Before, double After, List<PpoStepMetrics> Metrics)> TrainAsync(int steps)
    {
        var config = ModelTestData.TinyConfig().WithoutDropout();
        var options = ModelOptions.Cpu with { Seed = 7 };
        using var policy = Gpt2Architecture.CreateRandom("builtin:tiny", config, Gpt2Tokenizer.ByteLevel(), options);
        using var reference = Gpt2Architecture.CreateRandom("builtin:tiny", config, Gpt2Tokenizer.ByteLevel(), options);
        var prompts = new[] { "Human: hi\n\nAssistant:", "Human: how are you?\n\nAssistant:", "Human: tell me\n\nAssistant:" }
            .Select(p => policy.Tokenizer.Encode(p)).ToArray();
        var (trainer, value) = await TorchThread.RunAsync(() =>
        {
            var v = new ValueNet(config, 3);
            var ppo = new PpoOptions(MiniBatchSize: 4, Epochs: 4, LearningRate: 1e-2, ValueLearningRate: 1e-3, Seed: 5);
            return (new PpoTrainer(policy.Network, reference.Network, new ValueFunction(v, v.TokenValues), ppo, new AdaptiveKlController(0.05, 1.0, 64),
                policy.Tokenizer.EndOfTextId), v);
        });
        try
        {
            var before = await TorchThread.RunAsync(() => WantedMass((Gpt2Model)policy.Network, prompts));
            var metrics = new List<PpoStepMetrics>();
            for (var step = 0; step < steps; step++)
            {
                var requests = Enumerable.Range(0, 8).Select(i => (prompts[i % prompts.Length],
                    new GenerationRequest("", new SamplingParameters(Temperature: 1, TopP: 1, MaxNewTokens: 3), step * 100 + i))).ToList();
                var generated = await policy.GenerateTokensAsync(requests.Select(r => r.Item2 with { Prompt = policy.Tokenizer.Decode(r.Item1) }).ToList());
                var rollouts = generated.Select(g => new Rollout(g.PromptIds.ToArray(), g.TokenIds.ToArray(), FakeScore(g.TokenIds))).ToList();
                var s = step;
                metrics.Add(await TorchThread.RunAsync(() => trainer.Step(rollouts, s)));
            }
            var after = await TorchThread.RunAsync(() => WantedMass((Gpt2Model)policy.Network, prompts));
            return (before, after, metrics);
        }
        finally
        {
            await TorchThread.RunAsync(() => { trainer.Dispose(); value.Dispose(); return true; });
        }
    }

    /// <summary>Mean over prompts of the policy's probability that the first response byte is below 'a' (the expected fake reward, rescaled).</summary>
    private static double WantedMass(Gpt2Model model, int[][] prompts)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return prompts.Average(p =>
        {
            var logits = model.Forward(tensor(p.Select(t => (long)t).ToArray()).reshape(1, p.Length));
            var probs = nn.functional.softmax(logits.narrow(1, p.Length - 1, 1).reshape(-1), 0);
            return (double)probs.narrow(0, 0, Wanted).sum().item<float>();
        });
    }
}
