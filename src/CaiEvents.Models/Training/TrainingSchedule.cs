using TorchSharp.Modules;

namespace CaiEvents.Models.Training;

/// <summary>
/// What the SL and preference-model trainers share: AdamW with decay on matrices, the step counter, the warm-up +
/// cosine learning rate and the seeded batch order of each step (<see cref="CausalLmTrainer.BatchIndices"/>), and
/// saving/restoring the optimizer state. Both are pure functions of the step, so resuming at step N is exact.
/// </summary>
public sealed class TrainingSchedule : IDisposable
{
    private readonly TrainingOptions _options;
    private readonly int[] _lengths;

    /// <param name="lengths">Token length of each training item (for length-bucketed batches).</param>
    public TrainingSchedule(IEnumerable<Parameter> parameters, IReadOnlyList<int> lengths, TrainingOptions options)
    {
        if (lengths.Count == 0) throw new ArgumentException("no training items", nameof(lengths));
        if (options.BatchSize < 1 || options.Epochs < 1 || options.GradientAccumulation < 1)
            throw new ArgumentException("batch size, epochs and gradient accumulation must be at least 1", nameof(options));
        _options = options;
        _lengths = [.. lengths];
        Parameters = Optimizers.Trainable(parameters);
        Optimizer = Optimizers.AdamWDecayingMatrices(Parameters, options.LearningRate, options.WeightDecay);
        StepsPerEpoch = (lengths.Count + options.EffectiveBatchSize - 1) / options.EffectiveBatchSize;
    }

    public AdamW Optimizer { get; }
    /// <summary>The parameters that require gradients when the schedule was made: the ones optimised and clipped.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }
    public int StepsPerEpoch { get; }
    public int TotalSteps => StepsPerEpoch * _options.Epochs;
    /// <summary>Steps completed so far (the 0-based index of the next step).</summary>
    public int Step { get; private set; }
    public bool Done => Step >= TotalSteps;

    /// <summary>
    /// Sets the learning rate of the next step and returns it with the indices of that step's effective batch
    /// (<see cref="TrainingOptions.EffectiveBatchSize"/>; cut it into micro-batches of <see cref="TrainingOptions.BatchSize"/>).
    /// </summary>
    public (double LearningRate, IReadOnlyList<int> Batch) BeginStep()
    {
        if (Done) throw new InvalidOperationException("training is already complete");
        var lr = LearningRateSchedule.WarmupCosine(Step, TotalSteps, _options.WarmupSteps, _options.LearningRate, _options.MinLearningRateRatio);
        Optimizers.SetLearningRate(Optimizer, lr);
        return (lr, CausalLmTrainer.BatchIndices(_lengths, _options.EffectiveBatchSize, _options.Seed, Step));
    }

    /// <summary>Counts the step begun by <see cref="BeginStep"/> as done (after the optimizer stepped).</summary>
    public void EndStep() => Step++;

    public void SaveOptimizerState(string path) => Optimizer.save_state_dict(path);

    /// <summary>Restores the optimizer moments and continues at <paramref name="step"/> (weights are loaded separately).</summary>
    public void Resume(string optimizerStatePath, int step)
    {
        if (step < 0 || step > TotalSteps) throw new ArgumentOutOfRangeException(nameof(step), $"step {step} is outside 0..{TotalSteps}");
        Optimizer.load_state_dict(optimizerStatePath);
        Step = step;
    }

    public void Dispose() => Optimizer.Dispose();
}
