using CaiEvents.Contracts;
using CaiEvents.Domain.Prompts;
using CaiEvents.Models;
using CaiEvents.Models.Lora;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Rl;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Lora;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Ppo;

/// <summary>
/// PPO with a LoRA policy on a tiny random Llama checkpoint: the reference is the same network with its adapters off, only the adapters
/// and the value network train, and a reward rises while the adaptive KL coefficient keeps the KL near its target.
/// </summary>
public class PpoLoraTests
{
    /// <summary>The fake reward: +1 when a response's first token is in the lower half of the vocabulary, −1 otherwise.</summary>
    private static double FakeScore(IReadOnlyList<int> response, int vocab) => response.Count > 0 && response[0] < vocab / 2 ? 1 : -1;

    private static LoraConfig Config(ICausalLanguageModel network) => new(8, 16, 0, LoraConfig.DefaultTargets(network));

    private static List<Rollout> FixedRollouts() =>
    [
        new([1, 40, 41, 42], [100, 101, 102], 1),
        new([1, 50, 51], [200, 201], -1),
        new([1, 60, 61, 62, 63], [300], 0.5),
    ];

    [Fact]
    public async Task The_lora_reference_is_the_base_network_and_a_step_moves_only_the_adapters_and_the_value_network()
    {
        using var root = new TempDir();
        var baseSha = LoraTestModels.Write(root.Path, "llama");
        using var policy = LocalTextModel.Load("hf:" + root.Path, root.Path, ModelOptions.Cpu);
        using var plain = LocalTextModel.Load("hf:" + root.Path, root.Path, ModelOptions.Cpu);
        using var value = await TorchThread.RunAsync(() => RewardModel.FromModelId("hf:" + root.Path, ModelOptions.Cpu, headSeed: 3));
        var options = new PpoOptions(MiniBatchSize: 3, Epochs: 1, LearningRate: 1e-2, ValueLearningRate: 1e-2, Seed: 5);
        await TorchThread.RunAsync(() =>
        {
            var adapters = policy.AttachAdapters(Config(policy.Network), seed: 1);
            LoraTestModels.Perturb(adapters, seed: 2); // adapters that change the outputs, as after training
            var valueBefore = value.ComputeSha256();
            using var trainer = new PpoTrainer(adapters, new ValueFunction(value, value.TokenScores), options, new FixedKlController(0.1),
                policy.Tokenizer.EndOfTextId);
            using var baseTrainer = new PpoTrainer(plain.Network, plain.Network, new ValueFunction(value, value.TokenScores), options,
                new FixedKlController(0.1), plain.Tokenizer.EndOfTextId);
            using var scope = NewDisposeScope();
            var rollouts = FixedRollouts();
            var reference = trainer.ReferenceResponseLogProbs(rollouts).data<float>().ToArray();
            Assert.True(adapters.Enabled, "the adapters are on again after the reference pass");
            Assert.Equal(baseTrainer.ReferenceResponseLogProbs(rollouts).data<float>().ToArray(), reference); // exactly the base network's
            Assert.NotEqual(0, PpoTrainer.SequenceKl(policy.Network, plain.Network, rollouts, policy.Tokenizer.EndOfTextId).Sum(Math.Abs));

            var adapterBefore = PeftAdapter.WeightsSha256(adapters);
            trainer.Step(rollouts, 0);
            Assert.Equal(baseSha, policy.Architecture.WeightsSha256(policy.Network)); // the base weights did not move
            Assert.NotEqual(adapterBefore, PeftAdapter.WeightsSha256(adapters));
            Assert.NotEqual(valueBefore, value.ComputeSha256());
            var adapterParameters = adapters.Parameters.ToHashSet();
            foreach (var (name, parameter) in ((nn.Module)policy.Network).named_parameters())
            {
                if (adapterParameters.Contains(parameter)) Assert.True(parameter.grad is { } g && g.abs().sum().item<float>() > 0, $"{name} got no gradient");
                else Assert.True(parameter.grad is null, $"frozen {name} got a gradient");
            }
            return true;
        });
    }

    [Fact]
    public async Task Lora_ppo_on_the_demo_prompts_raises_the_reward_with_the_kl_within_twice_its_target()
    {
        using var root = new TempDir();
        LoraTestModels.Write(root.Path, "llama");
        using var policy = LocalTextModel.Load("hf:" + root.Path, root.Path, ModelOptions.Cpu);
        using var value = await TorchThread.RunAsync(() => RewardModel.FromModelId("hf:" + root.Path, ModelOptions.Cpu, headSeed: 3));
        var vocab = policy.Network.VocabSize;
        // A random tiny model's output layer (std 0.02) gives near-uniform logits that no change of the hidden state can move much, and
        // LoRA leaves that layer frozen: scaled up it gives the adapters, like a trained model's, something to steer.
        await TorchThread.RunAsync(() =>
        {
            using var noGrad = no_grad();
            foreach (var (name, parameter) in ((nn.Module)policy.Network).named_parameters())
            {
                if (name.Contains("lm_head", StringComparison.Ordinal) || name.Contains("embed_tokens", StringComparison.Ordinal)) parameter.mul_(20);
            }
            return true;
        });
        var prompts = PromptSetLoader.LoadDefault().Select(p => p.Prompt).Take(32).ToList();
        const double KlTarget = 2.0;
        var kl = new AdaptiveKlController(0.1, KlTarget, 16);
        var trainer = await TorchThread.RunAsync(() => new PpoTrainer(policy.AttachAdapters(Config(policy.Network), seed: 1),
            new ValueFunction(value, value.TokenScores), new PpoOptions(MiniBatchSize: 8, Epochs: 2, LearningRate: 5e-3, ValueLearningRate: 1e-2, Seed: 5),
            kl, policy.Tokenizer.EndOfTextId));
        try
        {
            var metrics = new List<PpoStepMetrics>();
            for (var step = 0; step < 20; step++)
            {
                var requests = Enumerable.Range(0, 16).Select(i => new GenerationRequest("Human: " + prompts[(step * 16 + i) % prompts.Count] + "\n\nAssistant:",
                    new SamplingParameters(Temperature: 1, TopP: 1, MaxNewTokens: 3), step * 100 + i)).ToList();
                var generated = await policy.GenerateTokensAsync(requests);
                var rollouts = generated.Select(g => new Rollout([.. g.PromptIds], g.TokenIds.Count == 0 ? [policy.Tokenizer.EndOfTextId] : [.. g.TokenIds],
                    FakeScore(g.TokenIds, vocab))).ToList();
                var s = step;
                metrics.Add(await TorchThread.RunAsync(() => trainer.Step(rollouts, s)));
            }
            var first = metrics.Take(4).Average(m => m.MeanScore);
            var last = metrics.TakeLast(4).Average(m => m.MeanScore);
            var lastKl = metrics.TakeLast(4).Average(m => m.MeanKl);
            var trace = string.Join("; ", metrics.Select(m => $"{m.MeanScore:0.00}/{m.MeanKl:0.00}/{m.KlCoefficient:0.000}"));
            Assert.True(last > first + 0.2, $"reward {first:0.00} -> {last:0.00} ({trace})");
            Assert.True(lastKl > 0 && lastKl <= 2 * KlTarget, $"KL over the last steps {lastKl:0.00}, target {KlTarget} ({trace})");
        }
        finally
        {
            await TorchThread.RunAsync(() => { trainer.Dispose(); return true; });
        }
    }
}
