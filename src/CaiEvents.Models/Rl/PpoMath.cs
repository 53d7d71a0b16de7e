using static TorchSharp.torch;

namespace CaiEvents.Models.Rl;

/// <summary>
/// The arithmetic of PPO for language models (Schulman et al., 2017; Ziegler et al., 2019), as small
/// functions that the trainer composes and the tests check against hand-computed numbers. Per-token
/// quantities are laid out [B, L] over response tokens, with a 0/1 mask for the real ones.
/// </summary>
public static class PpoMath
{
    /// <summary>
    /// Generalised advantage estimation over one response (an episode that ends after its last token):
    /// δ_t = r_t + γ V_{t+1} − V_t with V_T = 0, A_t = δ_t + γλ A_{t+1}, and returns R_t = A_t + V_t.
    /// </summary>
    public static (double[] Advantages, double[] Returns) Gae(IReadOnlyList<double> rewards, IReadOnlyList<double> values, double gamma, double lambda)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(values);
        if (rewards.Count != values.Count) throw new ArgumentException($"{rewards.Count} rewards but {values.Count} values");
        var advantages = new double[rewards.Count];
        var returns = new double[rewards.Count];
        var next = 0.0;
        for (var t = rewards.Count - 1; t >= 0; t--)
        {
            var nextValue = t + 1 < values.Count ? values[t + 1] : 0.0;
            var delta = rewards[t] + gamma * nextValue - values[t];
            next = delta + gamma * lambda * next;
            advantages[t] = next;
            returns[t] = next + values[t];
        }
        return (advantages, returns);
    }

    /// <summary>
    /// The per-token reward of RLHF: −β·(log π(y_t) − log π_ref(y_t)) at every response token, plus the
    /// preference model's score of the whole response at its last token.
    /// </summary>
    public static double[] TokenRewards(IReadOnlyList<double> logProbs, IReadOnlyList<double> referenceLogProbs, double score, double klCoefficient)
    {
        if (logProbs.Count != referenceLogProbs.Count)
        {
            throw new ArgumentException($"{logProbs.Count} log-probs but {referenceLogProbs.Count} reference log-probs");
        }
        var rewards = new double[logProbs.Count];
        for (var t = 0; t < rewards.Length; t++) rewards[t] = -klCoefficient * KlEstimate(logProbs[t], referenceLogProbs[t]);
        if (rewards.Length > 0) rewards[^1] += score;
        return rewards;
    }

    /// <summary>
    /// The per-token KL estimator on a token sampled from the policy: log π(y) − log π_ref(y). Unbiased for
    /// KL(π‖π_ref) in expectation; a single sample may be negative. Summed over a response it is the sequence KL.
    /// </summary>
    public static double KlEstimate(double logProb, double referenceLogProb) => logProb - referenceLogProb;

    /// <summary>Mean and (population) standard deviation normalisation of advantages; a constant input becomes all zeros.</summary>
    public static double[] Whiten(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return [];
        var mean = values.Average();
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
        return values.Select(v => (v - mean) / (std + 1e-8)).ToArray();
    }

    /// <summary>Mean of <paramref name="x"/> over the positions where <paramref name="mask"/> is 1.</summary>
    public static Tensor MaskedMean(Tensor x, Tensor mask) => (x * mask).sum() / mask.sum().clamp_min(1);

    /// <summary>
    /// PPO's clipped surrogate as a loss to minimise: −mean(min(ρA, clip(ρ, 1−ε, 1+ε)A)) with ρ = exp(log π − log π_old),
    /// over masked tokens. Also returns the fraction of tokens whose ratio left [1−ε, 1+ε] (no gradient).
    /// </summary>
    public static (Tensor Loss, double ClipFraction) ClippedSurrogate(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, Tensor mask, double epsilon)
    {
        var ratio = (logProbs - oldLogProbs).exp();
        var unclipped = ratio * advantages;
        var clipped = ratio.clamp(1 - epsilon, 1 + epsilon) * advantages;
        var loss = -MaskedMean(minimum(unclipped, clipped), mask);
        double fraction;
        using (no_grad())
            fraction = MaskedMean((ratio - 1).abs().gt(epsilon).to(mask.dtype), mask).item<float>();
        return (loss, fraction);
    }

    /// <summary>
    /// Clipped value loss: ½·mean(max((V − R)², (V_old + clip(V − V_old, −c, c) − R)²)) over masked tokens,
    /// so one update cannot move a value estimate more than c away from the one the advantages were computed with.
    /// </summary>
    public static Tensor ClippedValueLoss(Tensor values, Tensor oldValues, Tensor returns, Tensor mask, double clip)
    {
        var clippedValues = oldValues + (values - oldValues).clamp(-clip, clip);
        var loss = maximum((values - returns).square(), (clippedValues - returns).square());
        return 0.5 * MaskedMean(loss, mask);
    }

    /// <summary>Entropy of each next-token distribution: −Σ p log p over the last dimension of <paramref name="logits"/>.</summary>
    public static Tensor Entropy(Tensor logits)
    {
        var logP = nn.functional.log_softmax(logits, -1);
        return -(logP.exp() * logP).sum(-1);
    }
}
