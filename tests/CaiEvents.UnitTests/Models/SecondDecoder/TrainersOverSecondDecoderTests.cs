using System.Security.Cryptography;
using System.Text;
using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Rl;
using CaiEvents.Models.Training;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.SecondDecoder;

/// <summary>SFT, the preference model and PPO take a decoder that is not GPT-2.</summary>
public class TrainersOverSecondDecoderTests
{
    private static readonly TrainingOptions Options = new(Epochs: 10, BatchSize: 4, LearningRate: 2e-2, WarmupSteps: 2,
        MinLearningRateRatio: 0.1, WeightDecay: 0.0, MaxGradNorm: 1.0, Seed: 5);

    [Fact]
    public void Causal_lm_training_lowers_the_loss_of_the_second_decoder()
    {
        var data = Enumerable.Range(0, 8)
            .Select(i => TrainingSequence.PromptCompletion([SpecialTokenTokenizer.BeginOfText, 65 + i % 4], [97 + i % 4, 98 + i % 4]))
            .ToList();
        using var decoder = new PrefixMeanDecoder(262, 16, 64, seed: 2);
        using var trainer = new CausalLmTrainer(decoder, data, Options, padId: SpecialTokenTokenizer.EndOfText);

        var before = trainer.EvaluateLoss(data);
        while (!trainer.Done) trainer.TrainStep();
        var after = trainer.EvaluateLoss(data);

        Assert.True(after < before * 0.8, $"loss {before:0.000} -> {after:0.000}");
    }

    [Fact]
    public void A_reward_model_over_the_second_decoder_has_a_head_as_wide_as_its_hidden_states_trains_and_saves_it_beside_the_weights()
    {
        using var dir = new TempDir();
        var tokenizer = new SpecialTokenTokenizer();
        using var model = RewardModel.FromBackbone(new PrefixMeanArchitecture(), new PrefixMeanDecoder(262, 12, 64, seed: 3), tokenizer, headSeed: 4);
        var good = model.Encode("Hi", "Hello, how can I help?");
        var bad = model.Encode("Hi", "Go away.");
        Assert.Equal(SpecialTokenTokenizer.BeginOfText, good[0]);
        var cut = model.Encode(new string('x', 200), "fine");
        Assert.Equal(64, cut.Length);
        Assert.Equal(SpecialTokenTokenizer.BeginOfText, cut[0]);
        Assert.Equal(Encoding.UTF8.GetBytes("fine").Select(b => (int)b), cut[^4..]);
        var pairs = Enumerable.Range(0, 4).Select(_ => new PreferencePair(good, bad, 1.0)).ToList();
        var before = PreferenceTrainer.Predict(model, pairs, 4)[0];

        using (var trainer = new PreferenceTrainer(model, pairs, Options with { Epochs = 5 }))
        {
            while (!trainer.Done) Assert.True(double.IsFinite(trainer.TrainStep().Loss));
        }
        var after = PreferenceTrainer.Predict(model, pairs, 4)[0];
        model.Save(dir.Path);

        Assert.True(after > before, $"P(good ≻ bad) {before:0.000} -> {after:0.000}");
        using (var file = SafeTensors.Read(dir.File(LocalCheckpoint.WeightsFileName)))
        {
            Assert.Equal([1L, 12L], file.Tensors[RewardModel.ScoreWeightName].shape);
            Assert.Equal([1L], file.Tensors[RewardModel.ScoreBiasName].shape);
            Assert.Contains("embed.weight", file.Tensors.Keys);
        }
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(dir.File(LocalCheckpoint.WeightsFileName)))), model.ComputeSha256());
    }

    [Fact]
    public async Task A_ppo_step_runs_on_a_second_decoder_policy_reference_and_value()
    {
        using var policy = LocalTextModelOverSecondDecoderTests.NewModel(seed: 6);
        using var reference = LocalTextModelOverSecondDecoderTests.NewModel(seed: 6);
        var value = RewardModel.FromBackbone(new PrefixMeanArchitecture(), new PrefixMeanDecoder(262, 16, 64, seed: 7), policy.Tokenizer, headSeed: 8);
        var sampling = new SamplingParameters(Temperature: 1, TopP: 1, MaxNewTokens: 4);
        var generated = await policy.GenerateTokensAsync(Enumerable.Range(0, 4).Select(i => new GenerationRequest($"Prompt {i}", sampling, i)).ToList());
        var rollouts = generated.Select((g, i) => new Rollout([.. g.PromptIds], g.TokenIds.Count == 0 ? [SpecialTokenTokenizer.EndOfText] : [.. g.TokenIds],
            i % 2 == 0 ? 1 : -1)).ToList();
        var before = await TorchThread.RunAsync(() => WeightsCopy(policy.Network));

        var (metrics, after) = await TorchThread.RunAsync(() =>
        {
            using var trainer = new PpoTrainer(policy.Network, reference.Network, new ValueFunction(value, value.TokenScores),
                new PpoOptions(MiniBatchSize: 2, Epochs: 2, LearningRate: 1e-2, ValueLearningRate: 1e-3, Seed: 5), new FixedKlController(0.1),
                SpecialTokenTokenizer.EndOfText);
            return (trainer.Step(rollouts, 0), WeightsCopy(policy.Network));
        });
        await TorchThread.RunAsync(() => { value.Dispose(); return true; });

        Assert.Equal(0, metrics.MeanKl, 5); // the policy and the reference start identical
        Assert.True(double.IsFinite(metrics.PolicyLoss) && double.IsFinite(metrics.ValueLoss));
        Assert.NotEqual(before, after);
    }

    private static float[] WeightsCopy(ICausalLanguageModel network) =>
        [.. network.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray())];
}
