using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models.Training;

/// <summary>
/// Next-token training of any decoder (<see cref="ICausalLanguageModel"/>): AdamW, warm-up + cosine learning rate, gradient clipping,
/// masked cross-entropy (only target tokens count). The batch order is a pure function of the seed and the
/// epoch, and the learning rate a pure function of the step, so a job resumed from step N (weights +
/// optimizer state) continues exactly as if it had never stopped.
/// </summary>
public sealed class CausalLmTrainer : IDisposable
{
    private readonly ICausalLanguageModel _model;
    private readonly IReadOnlyList<TrainingSequence> _data;
    private readonly TrainingOptions _options;
    private readonly TrainingSchedule _schedule;
    private readonly MasterWeights _weights;
    private readonly ActivationCheckpointingSwitch _checkpointing;
    private readonly int _padId;

    public CausalLmTrainer(ICausalLanguageModel model, IReadOnlyList<TrainingSequence> data, TrainingOptions options, int padId)
    {
        if (data.Count == 0) throw new ArgumentException("no training sequences", nameof(data));
        var tooLong = data.FirstOrDefault(d => d.Tokens.Length > model.ContextLength);
        if (tooLong is not null)
        {
            throw new ArgumentException(
                $"a sequence of {tooLong.Tokens.Length} tokens exceeds the context length {model.ContextLength}", nameof(data));
        }
        _model = model;
        _data = data;
        _options = options;
        _padId = padId;
        _weights = new MasterWeights((nn.Module)model, options.Precision);
        _checkpointing = new ActivationCheckpointingSwitch((nn.Module)model, options.ActivationCheckpointing);
        _schedule = new TrainingSchedule(_weights.Parameters, [.. data.Select(d => d.Tokens.Length)], options);
    }

    public int StepsPerEpoch => _schedule.StepsPerEpoch;
    public int TotalSteps => _schedule.TotalSteps;
    /// <summary>Steps completed so far (0-based index of the next step).</summary>
    public int Step => _schedule.Step;
    public bool Done => _schedule.Done;

    /// <summary>
    /// The sequences of step <paramref name="step"/>: each epoch is a seeded permutation, cut into windows of
    /// <see cref="BucketBatches"/> batches whose sequences are sorted by length (less padding), and the batches
    /// are then shuffled again. A pure function of (lengths, batch size, seed, step), so resuming is exact.
    /// </summary>
    public static IReadOnlyList<int> BatchIndices(IReadOnlyList<int> lengths, int batchSize, long seed, int step)
    {
        var stepsPerEpoch = (lengths.Count + batchSize - 1) / batchSize;
        var epoch = step / stepsPerEpoch;
        var random = new Random(unchecked((int)(seed * 31 + epoch)));
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        random.Shuffle(order);
        var batches = order.Chunk(batchSize * BucketBatches)
            .SelectMany(window => window.OrderBy(i => lengths[i]).ThenBy(i => i).Chunk(batchSize))
            .ToArray();
        random.Shuffle(batches);
        return batches[step % stepsPerEpoch];
    }

    /// <summary>How many batches share one length-sorted window.</summary>
    public const int BucketBatches = 8;

    /// <summary>
    /// One optimizer step on the next effective batch, taken in micro-batches of <see cref="TrainingOptions.BatchSize"/>: each
    /// micro-batch's summed token losses are divided by the target tokens of the whole effective batch before backward, so the
    /// accumulated gradient is the large batch's.
    /// </summary>
    public TrainingStepMetrics TrainStep()
    {
        var (lr, indices) = _schedule.BeginStep();
        var batch = indices.Select(i => _data[i]).ToList();
        var allTargets = Math.Max(1, batch.Sum(TargetCount));

        _model.train();
        _weights.BeginStep();
        try
        {
            using var scope = NewDisposeScope();
            _schedule.Optimizer.zero_grad();
            double loss = 0;
            long targets = 0, inputs = 0;
            foreach (var micro in batch.Chunk(_options.BatchSize))
            {
                using var microScope = NewDisposeScope();
                var (sum, microTargets, microInputs) = LossSum(micro);
                var share = sum / allTargets;
                share.backward();
                loss += share.item<float>();
                targets += microTargets;
                inputs += microInputs;
            }
            _weights.GradientsToMasters();
            var gradNorm = nn.utils.clip_grad_norm_(_weights.Parameters, _options.MaxGradNorm);
            _schedule.Optimizer.step();
            var metrics = new TrainingStepMetrics(Step, loss, lr, gradNorm, targets, inputs);
            _schedule.EndStep();
            return metrics;
        }
        finally
        {
            _weights.EndStep();
        }
    }

    /// <summary>Positions whose token is predicted and counted by the loss (the first token is never predicted).</summary>
    private static long TargetCount(TrainingSequence s) => s.IsTarget.Skip(1).LongCount(t => t);

    /// <summary>Mean loss per target token over some sequences, without updating anything.</summary>
    public double EvaluateLoss(IReadOnlyList<TrainingSequence> sequences)
    {
        _model.eval();
        using var noGrad = no_grad();
        double total = 0;
        long count = 0;
        foreach (var chunk in sequences.Chunk(_options.BatchSize))
        {
            using var scope = NewDisposeScope();
            var (sum, targets, _) = LossSum(chunk);
            total += (sum / Math.Max(1, targets)).item<float>() * targets;
            count += targets;
        }
        return count == 0 ? double.NaN : total / count;
    }

    /// <summary>Masked next-token cross-entropy of a right-padded batch, summed over target tokens (fp32 whatever the weights' dtype).</summary>
    private (Tensor Sum, long Targets, long Inputs) LossSum(IReadOnlyList<TrainingSequence> batch)
    {
        var length = batch.Max(s => s.Tokens.Length);
        var ids = new long[batch.Count * length];
        var attention = new long[batch.Count * length];
        var target = new float[batch.Count * (length - 1)];
        for (var row = 0; row < batch.Count; row++)
        {
            var s = batch[row];
            for (var t = 0; t < length; t++)
            {
                var real = t < s.Tokens.Length;
                ids[row * length + t] = real ? s.Tokens[t] : _padId;
                attention[row * length + t] = real ? 1 : 0;
                if (t > 0) target[row * (length - 1) + t - 1] = real && s.IsTarget[t] ? 1 : 0;
            }
        }
        var device = _model.Device;
        var input = tensor(ids, [batch.Count, length], device: device);
        var mask = tensor(attention, [batch.Count, length], device: device);
        var weights = tensor(target, [batch.Count, length - 1], device: device);
        // Right padding: positions of real tokens are unaffected, and padded positions are never targets.
        var logits = _model.Logits(_model.HiddenStates(input, mask)).narrow(1, 0, length - 1);
        var labels = input.narrow(1, 1, length - 1);
        var perToken = F.cross_entropy(logits.reshape(-1, logits.shape[^1]).to(ScalarType.Float32), labels.reshape(-1), reduction: nn.Reduction.None)
            .reshape(batch.Count, length - 1);
        var targets = (long)weights.sum().item<float>();
        return ((perToken * weights).sum().MoveToOuterDisposeScope(), targets, attention.Sum());
    }

    public void SaveOptimizerState(string path) => _schedule.SaveOptimizerState(path);

    /// <summary>Restores the optimizer moments and continues at <paramref name="step"/> (weights are loaded separately).</summary>
    public void Resume(string optimizerStatePath, int step) => _schedule.Resume(optimizerStatePath, step);

    public void Dispose()
    {
        _schedule.Dispose();
        _weights.Dispose();
        _checkpointing.Dispose();
    }
}
