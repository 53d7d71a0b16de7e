using CaiEvents.Models;
using CaiEvents.Models.Llama;
using CaiEvents.Models.Training;
using CaiEvents.UnitTests.Models;
using CaiEvents.UnitTests.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Training;

/// <summary>
/// Tests that seed torch's process-wide generator and draw from it (dropout) run alone: a test in another thread drawing between
/// the seed and the draws would give the compared runs different masks.
/// </summary>
[CollectionDefinition(nameof(GlobalTorchRandom), DisableParallelization = true)]
public sealed class GlobalTorchRandom;

/// <summary>Recomputing decoder blocks in backward (<see cref="CheckpointedBlock"/>) gives the gradients of ordinary backward.</summary>
[Collection(nameof(GlobalTorchRandom))]
public class ActivationCheckpointingTests
{
    private const double Tolerance = 1e-6;

    /// <summary>Parameter gradients of a masked next-token loss on a left-padded batch, with torch's RNG seeded (for dropout).</summary>
    private static float[][] Gradients(nn.Module module, bool checkpointed)
    {
        var model = (ICausalLanguageModel)module;
        ((IActivationCheckpointing)module).ActivationCheckpointing = checkpointed;
        module.zero_grad();
        module.train();
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        var ids = tensor(new long[] { 0, 0, 5, 9, 14, 3, 7, 11, 20, 4, 8, 15 }, [2, 6]);
        var mask = tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 6]);
        var logits = model.Logits(model.HiddenStates(ids, mask)).narrow(1, 0, 5);
        var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), ids.narrow(1, 1, 5).reshape(-1));
        loss.backward();
        return [.. module.parameters().Select(p => p.grad is { } g ? g.cpu().data<float>().ToArray() : [])];
    }

    public static IEnumerable<object[]> Decoders => [["gpt2"], ["llama"], ["qwen3"]];

    [Theory]
    [MemberData(nameof(Decoders))]
    public void Gradients_with_and_without_checkpointing_are_equal(string family)
    {
        // GPT-2 keeps its dropout (0.1) on: the recomputed blocks must draw the same masks as the forward pass did.
        using nn.Module model = family == "gpt2" ? ModelTestData.NewModel(seed: 3, ModelTestData.TinyConfig()) : LlamaTestModels.NewModel(family, seed: 3);
        var plain = Gradients(model, checkpointed: false);
        var checkpointed = Gradients(model, checkpointed: true);
        Assert.All(plain, g => Assert.NotEmpty(g));
        Assert.Contains(plain, g => g.Any(v => v != 0));
        var difference = GradientAccumulationTests.MaxDifference(plain, checkpointed);
        Assert.True(difference <= Tolerance, $"gradients differ by {difference}");
    }

    [Fact]
    public void A_trainer_with_checkpointing_steps_like_one_without_and_switches_it_off_when_disposed()
    {
        var data = Enumerable.Range(0, 8).Select(i => TrainingSequence.PromptCompletion([3 + i, 4 + i], [10 + i, 11 + i, 12])).ToList();
        var options = new TrainingOptions(1, 4, 1e-3, 0, 0.1, 0, 1, 5);
        float[][] Trained(bool checkpointed)
        {
            using var model = LlamaTestModels.NewModel(LlamaModelType.Llama, seed: 3);
            using (var trainer = new CausalLmTrainer(model, data, options with { ActivationCheckpointing = checkpointed }, padId: 0))
            {
                Assert.Equal(checkpointed, model.ActivationCheckpointing);
                while (!trainer.Done) trainer.TrainStep();
            }
            Assert.False(model.ActivationCheckpointing);
            return GradientAccumulationTests.Snapshot(model);
        }
        Assert.True(GradientAccumulationTests.MaxDifference(Trained(false), Trained(true)) <= 1e-5);
    }

    [Fact]
    public void Frozen_embeddings_still_let_the_checkpointed_blocks_get_gradients()
    {
        using var model = LlamaTestModels.NewModel(LlamaModelType.Llama, seed: 3);
        var embedding = model.named_parameters().Single(p => p.name.Contains("embed_tokens")).parameter;
        embedding.requires_grad = false;
        var plain = Gradients(model, checkpointed: false);
        var checkpointed = Gradients(model, checkpointed: true);
        Assert.True(GradientAccumulationTests.MaxDifference(plain, checkpointed) <= Tolerance);
        Assert.True(checkpointed.Count(g => g.Length > 0) == model.parameters().Count(p => p.requires_grad));
    }
}
