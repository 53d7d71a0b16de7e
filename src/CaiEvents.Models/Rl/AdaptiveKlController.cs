namespace CaiEvents.Models.Rl;

/// <summary>
/// Ziegler et al.'s proportional controller: e = clip(KL / target − 1, −0.2, 0.2), β ← β·(1 + e·n / horizon),
/// where n is the number of rollouts of the step. KL above the target raises β, below it lowers it.
/// </summary>
public sealed class AdaptiveKlController : IKlController
{
    public const double MaxError = 0.2;

    public AdaptiveKlController(double initial, double target, double horizon)
    {
        if (initial <= 0 || target <= 0 || horizon <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(target), "initial coefficient, target KL and horizon must be > 0");
        }
        Coefficient = initial;
        Target = target;
        Horizon = horizon;
    }

    public double Coefficient { get; private set; }
    public double Target { get; }
    public double Horizon { get; }

    public void Update(double observedKl, int batchSize)
    {
        var error = Math.Clamp(observedKl / Target - 1, -MaxError, MaxError);
        Coefficient *= 1 + error * batchSize / Horizon;
    }
}
