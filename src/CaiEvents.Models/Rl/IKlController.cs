namespace CaiEvents.Models.Rl;

/// <summary>The coefficient β of the KL penalty, and how it reacts to the KL observed at each step.</summary>
public interface IKlController
{
    double Coefficient { get; }

    /// <summary>Updates β after a step whose <paramref name="batchSize"/> rollouts had mean (sequence) KL <paramref name="observedKl"/>.</summary>
    void Update(double observedKl, int batchSize);
}
