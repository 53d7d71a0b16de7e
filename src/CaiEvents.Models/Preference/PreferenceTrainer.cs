using CaiEvents.Models.Training;
using static TorchSharp.torch;

namespace CaiEvents.Models.Preference;

/// <summary>
/// Trains a <see cref="RewardModel"/> on comparisons with the soft Bradley-Terry loss: AdamW (decay on matrices only),
/// warm-up + cosine learning rate, gradient clipping. The batch order is <see cref="CausalLmTrainer.BatchIndices"/>
/// (a pure function of the seed and the step) and the learning rate a pure function of the step, so resuming at step N
/// from weights + optimizer state continues exactly. Run it on the <see cref="TorchThread"/>.
/// </summary>
public sealed class PreferenceTrainer : IDisposable
{
    private readonly RewardModel _model;
    private readonly IReadOnlyList<PreferencePair> _data;
    private readonly TrainingOptions _options;
    private readonly TrainingSchedule _schedule;
    private readonly MasterWeights _weights;
    private readonly ActivationCheckpointingSwitch _checkpointing;

    public PreferenceTrainer(RewardModel model, IReadOnlyList<PreferencePair> data, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (data.Count == 0) throw new ArgumentException("no training pairs", nameof(data));
        _model = model;
        _data = data;
        _options = options;
        _weights = new MasterWeights(model, options.Precision);
        _checkpointing = new ActivationCheckpointingSwitch(model, options.ActivationCheckpointing);
        _schedule = new TrainingSchedule(_weights.Parameters, [.. data.Select(d => d.A.Length + d.B.Length)], options);
    }

    public int StepsPerEpoch => _schedule.StepsPerEpoch;
    public int TotalSteps => _schedule.TotalSteps;
    /// <summary>Steps completed so far (the 0-based index of the next step).</summary>
    public int Step => _schedule.Step;
    public bool Done => _schedule.Done;

    /// <summary>
    /// One optimizer step on the next effective batch in micro-batches of <see cref="TrainingOptions.BatchSize"/> pairs: each
    /// micro-batch's mean loss is weighted by its share of the pairs, so the accumulated gradient is that of the mean over all.
    /// </summary>
    public PreferenceStepMetrics TrainStep()
    {
        var (lr, indices) = _schedule.BeginStep();
        var batch = indices.Select(i => _data[i]).ToList();

        _model.train();
        _weights.BeginStep();
        try
        {
            using var scope = NewDisposeScope();
            _schedule.Optimizer.zero_grad();
            double loss = 0;
            var margins = new List<float>(batch.Count);
            foreach (var micro in batch.Chunk(_options.BatchSize))
            {
                using var microScope = NewDisposeScope();
                var (scoresA, scoresB) = ScorePairs(micro);
                var targets = tensor(micro.Select(p => (float)p.ProbabilityA).ToArray(), device: _model.Device);
                var microLoss = BradleyTerry.Loss(scoresA, scoresB, targets);
                if (micro.Length != batch.Count) microLoss = microLoss * ((double)micro.Length / batch.Count);
                microLoss.backward();
                loss += microLoss.item<float>();
                margins.AddRange((scoresA - scoresB).detach().cpu().data<float>().ToArray());
            }
            _weights.GradientsToMasters();
            var gradNorm = nn.utils.clip_grad_norm_(_weights.Parameters, _options.MaxGradNorm);
            _schedule.Optimizer.step();
            var predicted = margins.Select(m => BradleyTerry.ProbabilityA(m)).ToList();
            var metrics = new PreferenceStepMetrics(Step, loss,
                PreferenceMetrics.Accuracy(predicted, batch.Select(p => p.ProbabilityA).ToList()), lr, gradNorm, batch.Count,
                batch.Sum(p => (long)p.A.Length + p.B.Length));
            _schedule.EndStep();
            return metrics;
        }
        finally
        {
            _weights.EndStep();
        }
    }

    /// <summary>The model's P(A preferred) = σ(r_A − r_B) for each pair, without updating anything.</summary>
    public IReadOnlyList<double> PredictProbabilityA(IReadOnlyList<PreferencePair> pairs) => Predict(_model, pairs, _options.BatchSize);

    /// <inheritdoc cref="PredictProbabilityA"/>
    public static IReadOnlyList<double> Predict(RewardModel model, IReadOnlyList<PreferencePair> pairs, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pairs);
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var result = new List<double>(pairs.Count);
            foreach (var chunk in pairs.Chunk(Math.Max(1, batchSize)))
            {
                using var scope = NewDisposeScope();
                var (a, b) = ScorePairs(model, chunk);
                result.AddRange((a - b).cpu().data<float>().ToArray().Select(m => BradleyTerry.ProbabilityA(m)));
            }
            return result;
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    private (Tensor A, Tensor B) ScorePairs(IReadOnlyList<PreferencePair> batch) => ScorePairs(_model, batch);

    /// <summary>Both responses of every pair in one left-padded forward pass: rows 0..N-1 are A, N..2N-1 are B.</summary>
    private static (Tensor A, Tensor B) ScorePairs(RewardModel model, IReadOnlyList<PreferencePair> batch)
    {
        var (ids, mask) = model.LeftPad([.. batch.Select(p => p.A), .. batch.Select(p => p.B)]);
        var scores = model.Scores(ids, mask);
        return (scores.narrow(0, 0, batch.Count), scores.narrow(0, batch.Count, batch.Count));
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
