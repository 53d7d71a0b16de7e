using CaiEvents.Models;
using CaiEvents.Models.Training;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Training;

public class CausalLmTrainerTests
{
    private static readonly TrainingOptions Options = new(Epochs: 2, BatchSize: 4, LearningRate: 1e-2, WarmupSteps: 2,
        MinLearningRateRatio: 0.1, WeightDecay: 0.01, MaxGradNorm: 1.0, Seed: 5);

    private static List<TrainingSequence> Data(int count = 12) => Enumerable.Range(0, count)
        .Select(i => TrainingSequence.PromptCompletion(
            Enumerable.Range(0, 3 + i % 4).Select(t => (t * 7 + i) % 200).ToArray(),
            Enumerable.Range(0, 2 + i % 3).Select(t => 65 + (t + i) % 26).ToArray()))
        .ToList();

    private static Gpt2Model Model() => ModelTestData.NewModel(seed: 3, ModelTestData.TinyConfig().WithoutDropout());

    [Fact]
    public void Every_epoch_visits_every_sequence_exactly_once_in_a_seeded_order()
    {
        var lengths = Enumerable.Range(0, 37).Select(i => 5 + i * 13 % 29).ToArray();
        const int batch = 4;
        var stepsPerEpoch = (lengths.Length + batch - 1) / batch;
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var seen = Enumerable.Range(epoch * stepsPerEpoch, stepsPerEpoch).SelectMany(s => CausalLmTrainer.BatchIndices(lengths, batch, 9, s)).ToList();
            Assert.Equal(Enumerable.Range(0, lengths.Length), seen.Order());
        }
        Assert.Equal(CausalLmTrainer.BatchIndices(lengths, batch, 9, 3), CausalLmTrainer.BatchIndices(lengths, batch, 9, 3));
        var epochOne = Enumerable.Range(0, stepsPerEpoch).Select(s => CausalLmTrainer.BatchIndices(lengths, batch, 9, s).ToArray()).ToList();
        var otherSeed = Enumerable.Range(0, stepsPerEpoch).Select(s => CausalLmTrainer.BatchIndices(lengths, batch, 10, s).ToArray()).ToList();
        Assert.NotEqual(epochOne.SelectMany(b => b), otherSeed.SelectMany(b => b));
    }

    [Fact]
    public void Only_completion_tokens_are_targets()
    {
        var s = TrainingSequence.PromptCompletion([1, 2, 3], [4, 5]);
        Assert.Equal([1, 2, 3, 4, 5], s.Tokens);
        Assert.Equal([false, false, false, true, true], s.IsTarget);
        Assert.Equal([false, true, true], TrainingSequence.Document([7, 8, 9]).IsTarget);
        var cut = TrainingSequence.PromptCompletion([1, 2, 3], [4, 5]).Truncate(3);
        Assert.Equal([3, 4, 5], cut.Tokens);
        Assert.Equal([false, true, true], cut.IsTarget);
    }

    [Fact]
    public void Training_lowers_the_loss_on_what_it_sees()
    {
        var data = Data();
        using var model = Model();
        using var trainer = new CausalLmTrainer(model, data, Options with { Epochs = 10 }, padId: 256);
        var before = trainer.EvaluateLoss(data);
        while (!trainer.Done) trainer.TrainStep();
        var after = trainer.EvaluateLoss(data);
        Assert.True(after < before * 0.6, $"loss {before:0.000} -> {after:0.000}");
    }

    [Fact]
    public void Changing_a_prompt_token_that_is_not_a_target_changes_no_target()
    {
        // The loss reads prompt tokens only as inputs: with every completion the same, a model that ignores its
        // input would see identical losses; what must hold is that non-target positions add nothing.
        using var model = Model();
        using var trainer = new CausalLmTrainer(model, Data(), Options, padId: 256);
        var onlyCompletion = TrainingSequence.PromptCompletion([10, 11, 12, 13], [14]);
        var wholeDocument = TrainingSequence.Document([10, 11, 12, 13, 14]);
        var lossCompletion = trainer.EvaluateLoss([onlyCompletion]);
        var lossDocument = trainer.EvaluateLoss([wholeDocument]);
        Assert.NotEqual(lossCompletion, lossDocument, 6);
        var lastTokenOnly = new TrainingSequence([10, 11, 12, 13, 14], [false, false, false, false, true]);
        Assert.Equal(lossCompletion, trainer.EvaluateLoss([lastTokenOnly]), 6);
    }

    [Fact]
    public void A_job_resumed_from_a_checkpoint_ends_with_the_same_weights_as_one_that_never_stopped()
    {
        var data = Data();
        using var dir = new TempDir();

        using var straight = Model();
        using (var trainer = new CausalLmTrainer(straight, data, Options, padId: 256))
            while (!trainer.Done) trainer.TrainStep();

        using var first = Model();
        int half;
        using (var trainer = new CausalLmTrainer(first, data, Options, padId: 256))
        {
            half = trainer.TotalSteps / 2;
            while (trainer.Step < half) trainer.TrainStep();
            trainer.SaveOptimizerState(dir.File("optimizer.bin"));
            Gpt2Checkpoint.Save(first, Gpt2Tokenizer.ByteLevel(), dir.File("weights"));
        }

        var (resumed, _, _) = Gpt2Checkpoint.Load(dir.File("weights"));
        using (resumed)
        using (var trainer = new CausalLmTrainer(resumed, data, Options, padId: 256))
        {
            trainer.Resume(dir.File("optimizer.bin"), half);
            while (!trainer.Done) trainer.TrainStep();
            Assert.Equal(Gpt2Checkpoint.ComputeWeightsSha256(straight), Gpt2Checkpoint.ComputeWeightsSha256(resumed));
        }
    }
}
