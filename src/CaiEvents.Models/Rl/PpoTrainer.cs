using CaiEvents.Models.Lora;
using CaiEvents.Models.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Rl;

/// <summary>
/// PPO updates of a decoder (<see cref="ICausalLanguageModel"/>) policy against a frozen reference copy, with a separate value network
/// (in RLHF, initialised from the preference model). A LoRA policy (<see cref="PpoTrainer(LoraAdapters, ValueFunction, PpoOptions, IKlController, int)"/>)
/// trains its adapters alone, and its reference is the same network with the adapters switched off: no second copy of the weights.
/// Rewards per token are −β·KL plus the score at the last token;
/// advantages come from GAE and are whitened; the policy and value losses are clipped; gradients are clipped per network.
/// Dropout is off (the networks stay in eval mode), so the first minibatch's ratio is exactly 1 and CPU runs are
/// reproducible: minibatch order is a pure function of (seed, step, epoch). Call it on the <see cref="TorchThread"/>.
/// </summary>
public sealed class PpoTrainer : IDisposable
{
    private readonly ICausalLanguageModel _policy;
    private readonly ICausalLanguageModel? _reference;
    private readonly LoraAdapters? _adapters;
    private readonly ValueFunction _value;
    private readonly PpoOptions _options;
    private readonly IKlController _kl;
    private readonly int _padId;
    private readonly AdamW _optimizer;
    private readonly MasterWeights _policyWeights;
    private readonly MasterWeights? _referenceWeights;
    private readonly MasterWeights _valueWeights;
    private readonly ActivationCheckpointingSwitch _policyCheckpointing;
    private readonly ActivationCheckpointingSwitch _valueCheckpointing;

    public PpoTrainer(ICausalLanguageModel policy, ICausalLanguageModel reference, ValueFunction value, PpoOptions options, IKlController kl, int padId)
        : this(policy, reference, null, value, options, kl, padId)
    {
    }

    /// <summary>
    /// PPO on a policy that carries LoRA adapters (<paramref name="adapters"/>.Network): only the adapters (and the value network) train;
    /// the reference log-probs are the same network's with the adapters disabled.
    /// </summary>
    public PpoTrainer(LoraAdapters adapters, ValueFunction value, PpoOptions options, IKlController kl, int padId)
        : this((adapters ?? throw new ArgumentNullException(nameof(adapters))).Network, null, adapters, value, options, kl, padId)
    {
    }

    private PpoTrainer(ICausalLanguageModel policy, ICausalLanguageModel? reference, LoraAdapters? adapters, ValueFunction value, PpoOptions options,
        IKlController kl, int padId)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(value);
        _policy = policy;
        _reference = reference ?? (adapters is null ? throw new ArgumentNullException(nameof(reference)) : null);
        _adapters = adapters;
        _value = value;
        _options = options;
        _kl = kl;
        _padId = padId;
        if (options.MiniBatchSize < 1 || options.Epochs < 1 || options.GradientAccumulation < 1)
            throw new ArgumentException("minibatch size, epochs and gradient accumulation must be at least 1", nameof(options));
        if (reference is not null)
        {
            foreach (var p in reference.parameters()) p.requires_grad = false;
        }
        // Only what requires gradients trains (adapters freeze their base); in bf16 the optimizer steps fp32 masters.
        _policyWeights = new MasterWeights((nn.Module)policy, options.Precision);
        _referenceWeights = reference is null ? null : new MasterWeights((nn.Module)reference, options.Precision);
        _valueWeights = new MasterWeights(value.Module, options.Precision);
        _policyCheckpointing = new ActivationCheckpointingSwitch((nn.Module)policy, options.ActivationCheckpointing);
        _valueCheckpointing = new ActivationCheckpointingSwitch(value.Module, options.ActivationCheckpointing);
        _optimizer = optim.AdamW([
            new AdamW.ParamGroup(_policyWeights.Parameters, new AdamW.Options { LearningRate = options.LearningRate, weight_decay = 0 }),
            new AdamW.ParamGroup(_valueWeights.Parameters, new AdamW.Options { LearningRate = options.ValueLearningRate, weight_decay = 0 }),
        ], lr: options.LearningRate);
    }

    public IKlController Kl => _kl;

    /// <summary>One PPO step on a batch of rollouts; β is updated afterwards from the batch's mean KL.</summary>
    public PpoStepMetrics Step(IReadOnlyList<Rollout> rollouts, int step)
    {
        if (rollouts.Count == 0) throw new ArgumentException("no rollouts", nameof(rollouts));
        MasterWeights[] all = [.. new[] { _policyWeights, _referenceWeights, _valueWeights }.OfType<MasterWeights>()];
        foreach (var w in all) w.BeginStep();
        try
        {
            return StepInPrecision(rollouts, step);
        }
        finally
        {
            foreach (var w in all) w.EndStep();
        }
    }

    private PpoStepMetrics StepInPrecision(IReadOnlyList<Rollout> rollouts, int step)
    {
        var beta = _kl.Coefficient;
        _policy.eval();
        _reference?.eval();
        _value.Module.eval();
        using var scope = NewDisposeScope();
        var batch = Layout(rollouts);
        int rows = rollouts.Count, length = batch.ResponseLength;

        // What the rollouts looked like to the networks before this step's updates.
        Tensor oldLogProbs, refLogProbs, oldValues;
        using (no_grad())
        {
            oldLogProbs = ResponseLogProbs(_policy, batch.Ids, batch.Mask, batch.Targets, batch.PromptWidth, length).logProbs;
            refLogProbs = ReferenceLogProbs(batch.Ids, batch.Mask, batch.Targets, batch.PromptWidth, length);
            oldValues = _value.TokenValues(batch.Ids, batch.Mask).narrow(1, batch.PromptWidth - 1, length).to(ScalarType.Float32);
        }
        var oldHost = oldLogProbs.cpu().data<float>().ToArray();
        var refHost = refLogProbs.cpu().data<float>().ToArray();
        var valueHost = oldValues.cpu().data<float>().ToArray();

        var advantages = new double[rows * length];
        var returns = new double[rows * length];
        var kls = new double[rows];
        var totals = new double[rows];
        var realAdvantages = new List<double>();
        for (var r = 0; r < rows; r++)
        {
            var n = rollouts[r].ResponseIds.Length;
            var logp = Enumerable.Range(0, n).Select(t => (double)oldHost[r * length + t]).ToArray();
            var refp = Enumerable.Range(0, n).Select(t => (double)refHost[r * length + t]).ToArray();
            var values = Enumerable.Range(0, n).Select(t => (double)valueHost[r * length + t]).ToArray();
            var rewards = PpoMath.TokenRewards(logp, refp, rollouts[r].Score, beta);
            kls[r] = logp.Zip(refp, PpoMath.KlEstimate).Sum();
            totals[r] = rewards.Sum();
            var (adv, ret) = PpoMath.Gae(rewards, values, _options.Gamma, _options.Lambda);
            for (var t = 0; t < n; t++)
            {
                advantages[r * length + t] = adv[t];
                returns[r * length + t] = ret[t];
            }
            realAdvantages.AddRange(adv);
        }
        var whitened = PpoMath.Whiten(realAdvantages);
        var k = 0;
        for (var r = 0; r < rows; r++)
            for (var t = 0; t < rollouts[r].ResponseIds.Length; t++)
                advantages[r * length + t] = whitened[k++];

        var device = _policy.Device;
        var advantageTensor = tensor(advantages.Select(a => (float)a).ToArray(), [rows, length], device: device);
        var returnTensor = tensor(returns.Select(a => (float)a).ToArray(), [rows, length], device: device);

        double clipSum = 0, policyLossSum = 0, valueLossSum = 0, entropySum = 0;
        var updates = 0;
        for (var epoch = 0; epoch < _options.Epochs; epoch++)
        {
            var order = Enumerable.Range(0, rows).ToArray();
            new Random(unchecked((int)(_options.Seed * 1_000_003 + step * 131 + epoch))).Shuffle(order);
            foreach (var minibatch in order.Chunk(_options.MiniBatchSize * _options.GradientAccumulation))
            {
                using var inner = NewDisposeScope();
                _optimizer.zero_grad();
                // Token means over the whole minibatch: each micro-batch's means are weighted by its share of the response tokens.
                var minibatchTokens = minibatch.Sum(i => rollouts[i].ResponseIds.Length);
                double clip = 0, policyLossTotal = 0, valueLossTotal = 0, entropyTotal = 0;
                foreach (var chunk in minibatch.Chunk(_options.MiniBatchSize))
                {
                    using var microScope = NewDisposeScope();
                    var index = tensor(chunk.Select(i => (long)i).ToArray(), device: device);
                    var ids = batch.Ids.index_select(0, index);
                    var mask = batch.Mask.index_select(0, index);
                    var responseMask = batch.ResponseMask.index_select(0, index);
                    var (logProbs, logits) = ResponseLogProbs(_policy, ids, mask, batch.Targets.index_select(0, index), batch.PromptWidth, length);
                    var (policyLoss, clipFraction) = PpoMath.ClippedSurrogate(logProbs, oldLogProbs.index_select(0, index),
                        advantageTensor.index_select(0, index), responseMask, _options.ClipRange);
                    var values = _value.TokenValues(ids, mask).narrow(1, batch.PromptWidth - 1, length).to(ScalarType.Float32);
                    var valueLoss = PpoMath.ClippedValueLoss(
                        values, oldValues.index_select(0, index), returnTensor.index_select(0, index), responseMask, _options.ValueClipRange);
                    var entropy = PpoMath.MaskedMean(PpoMath.Entropy(logits), responseMask);
                    var loss = policyLoss + _options.ValueCoefficient * valueLoss - _options.EntropyCoefficient * entropy;
                    var share = 1.0;
                    if (chunk.Length != minibatch.Length)
                    {
                        share = (double)chunk.Sum(i => rollouts[i].ResponseIds.Length) / minibatchTokens;
                        loss = loss * share;
                    }
                    loss.backward();
                    clip += share * clipFraction;
                    policyLossTotal += share * policyLoss.item<float>();
                    valueLossTotal += share * valueLoss.item<float>();
                    entropyTotal += share * entropy.item<float>();
                }
                _policyWeights.GradientsToMasters();
                _valueWeights.GradientsToMasters();
                nn.utils.clip_grad_norm_(_policyWeights.Parameters, _options.MaxGradNorm);
                nn.utils.clip_grad_norm_(_valueWeights.Parameters, _options.MaxGradNorm);
                _optimizer.step();
                clipSum += clip;
                policyLossSum += policyLossTotal;
                valueLossSum += valueLossTotal;
                entropySum += entropyTotal;
                updates++;
            }
        }
        var meanKl = kls.Average();
        _kl.Update(meanKl, rows);
        return new PpoStepMetrics(step, rollouts.Average(r => r.Score), meanKl, totals.Average(), clipSum / updates, policyLossSum / updates,
            valueLossSum / updates, entropySum / updates, beta, rollouts.Average(r => (double)r.ResponseIds.Length));
    }

    private sealed record Batch(Tensor Ids, Tensor Mask, Tensor Targets, Tensor ResponseMask, int PromptWidth, int ResponseLength);

    /// <summary>Prompts left-padded to end in one column, responses right-padded after it; the mask marks real tokens.</summary>
    private Batch Layout(IReadOnlyList<Rollout> rollouts) => Layout(rollouts, _policy, _padId);

    private static Batch Layout(IReadOnlyList<Rollout> rollouts, ICausalLanguageModel _policy, int _padId)
    {
        int rows = rollouts.Count, promptWidth = rollouts.Max(r => r.PromptIds.Length), length = Math.Max(1, rollouts.Max(r => r.ResponseIds.Length));
        var width = promptWidth + length;
        if (width > _policy.ContextLength)
        {
            throw new ArgumentException($"prompt + response of {width} tokens exceed the context length {_policy.ContextLength}");
        }
        var ids = new long[rows * width];
        var mask = new long[rows * width];
        var targets = new long[rows * length];
        var responseMask = new float[rows * length];
        for (var r = 0; r < rows; r++)
        {
            var (prompt, response) = (rollouts[r].PromptIds, rollouts[r].ResponseIds);
            if (prompt.Length == 0) throw new ArgumentException("a rollout has an empty prompt", nameof(rollouts));
            var pad = promptWidth - prompt.Length;
            for (var c = 0; c < width; c++)
            {
                var j = c - promptWidth;
                var real = c >= pad && j < response.Length;
                ids[r * width + c] = c < pad ? _padId : c < promptWidth ? prompt[c - pad] : j < response.Length ? response[j] : _padId;
                mask[r * width + c] = real ? 1 : 0;
            }
            for (var t = 0; t < length; t++)
            {
                targets[r * length + t] = t < response.Length ? response[t] : _padId;
                responseMask[r * length + t] = t < response.Length ? 1 : 0;
            }
        }
        var device = _policy.Device;
        return new Batch(tensor(ids, [rows, width], device: device), tensor(mask, [rows, width], device: device),
            tensor(targets, [rows, length], device: device), tensor(responseMask, [rows, length], device: device), promptWidth, length);
    }

    /// <summary>log π_ref [B, L] of the response tokens: the reference network's, or the LoRA policy's with its adapters switched off.</summary>
    private Tensor ReferenceLogProbs(Tensor ids, Tensor mask, Tensor targets, int promptWidth, int length)
    {
        if (_reference is not null) return ResponseLogProbs(_reference, ids, mask, targets, promptWidth, length).logProbs;
        using (_adapters!.Disable())
        {
            return ResponseLogProbs(_policy, ids, mask, targets, promptWidth, length).logProbs;
        }
    }

    /// <summary>The reference policy's log-probs of the response tokens [B, L] (see <see cref="ReferenceLogProbs"/>), for tests.</summary>
    public Tensor ReferenceResponseLogProbs(IReadOnlyList<Rollout> rollouts)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var batch = Layout(rollouts);
        return ReferenceLogProbs(batch.Ids, batch.Mask, batch.Targets, batch.PromptWidth, batch.ResponseLength).MoveToOuterDisposeScope();
    }

    /// <summary>log π(y_t | x, y_&lt;t) [B, L] of the response tokens, and the logits [B, L, V] that predicted them.</summary>
    private static (Tensor logProbs, Tensor logits) ResponseLogProbs(
        ICausalLanguageModel model, Tensor ids, Tensor mask, Tensor targets, int promptWidth, int length)
    {
        var hidden = model.HiddenStates(ids, mask);
        var logits = model.Logits(hidden.narrow(1, promptWidth - 1, length)).to(ScalarType.Float32);
        var logProbs = nn.functional.log_softmax(logits, -1).gather(2, targets.unsqueeze(2)).squeeze(2);
        return (logProbs, logits);
    }

    /// <summary>
    /// Σ_t log π(y_t|·) − log π_ref(y_t|·) per rollout (the sequence KL estimate PPO penalises), for evaluating a trained policy
    /// against its reference on fresh samples. Call it on the <see cref="TorchThread"/>.
    /// </summary>
    public static double[] SequenceKl(ICausalLanguageModel policy, ICausalLanguageModel reference, IReadOnlyList<Rollout> rollouts, int padId)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        policy.eval();
        reference.eval();
        var batch = Layout(rollouts, policy, padId);
        var logp = ResponseLogProbs(policy, batch.Ids, batch.Mask, batch.Targets, batch.PromptWidth, batch.ResponseLength).logProbs;
        var refp = ResponseLogProbs(reference, batch.Ids, batch.Mask, batch.Targets, batch.PromptWidth, batch.ResponseLength).logProbs;
        var perRow = ((logp - refp) * batch.ResponseMask).sum(1).cpu().data<float>().ToArray();
        return perRow.Select(v => (double)v).ToArray();
    }

    public void SaveOptimizerState(string path) => _optimizer.save_state_dict(path);

    public void LoadOptimizerState(string path) => _optimizer.load_state_dict(path);

    public void Dispose()
    {
        _optimizer.Dispose();
        _policyWeights.Dispose();
        _referenceWeights?.Dispose();
        _valueWeights.Dispose();
        _policyCheckpointing.Dispose();
        _valueCheckpointing.Dispose();
    }
}
