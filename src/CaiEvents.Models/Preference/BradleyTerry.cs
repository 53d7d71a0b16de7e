using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models.Preference;

/// <summary>
/// The Bradley-Terry preference loss with soft targets. For a pair with margin m = r_A − r_B and target
/// p = P(A preferred): L = −[p·log σ(m) + (1 − p)·log σ(−m)] = p·softplus(−m) + (1 − p)·softplus(m);
/// hard labels are p ∈ {0, 1}. dL/dm = σ(m) − p, so gradient descent raises r_A when p &gt; σ(m) and lowers r_B.
/// </summary>
public static class BradleyTerry
{
    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>log(1 + eˣ), without overflow for large x.</summary>
    public static double Softplus(double x) => x > 0 ? x + double.LogP1(Math.Exp(-x)) : double.LogP1(Math.Exp(x));

    /// <summary>The loss of one pair.</summary>
    public static double Loss(double margin, double probabilityA)
    {
        CheckProbability(probabilityA);
        return probabilityA * Softplus(-margin) + (1 - probabilityA) * Softplus(margin);
    }

    /// <summary>dL/dm for one pair: σ(m) − p (dL/dr_A = σ(m) − p, dL/dr_B = p − σ(m)).</summary>
    public static double MarginGradient(double margin, double probabilityA)
    {
        CheckProbability(probabilityA);
        return Sigmoid(margin) - probabilityA;
    }

    /// <summary>The model's P(A preferred) for a margin: σ(m).</summary>
    public static double ProbabilityA(double margin) => Sigmoid(margin);

    /// <summary>Mean loss over a batch: scores of A and B [N] and targets [N] (float32), differentiable.</summary>
    public static Tensor Loss(Tensor scoresA, Tensor scoresB, Tensor probabilityA)
    {
        ArgumentNullException.ThrowIfNull(scoresA);
        ArgumentNullException.ThrowIfNull(scoresB);
        ArgumentNullException.ThrowIfNull(probabilityA);
        using var scope = NewDisposeScope();
        var margin = scoresA - scoresB;
        var loss = probabilityA * F.softplus(-margin) + (1 - probabilityA) * F.softplus(margin);
        return loss.mean().MoveToOuterDisposeScope();
    }

    private static void CheckProbability(double p)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a preference target must lie in [0, 1]");
    }
}
