namespace CaiEvents.Models.Rl;

public sealed class FixedKlController(double coefficient) : IKlController
{
    public double Coefficient { get; } = coefficient;

    public void Update(double observedKl, int batchSize) { }
}
