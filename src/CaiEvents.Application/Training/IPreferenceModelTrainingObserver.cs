using CaiEvents.Application.Demo;
using CaiEvents.Contracts.Events;
using CaiEvents.Models.Preference;

namespace CaiEvents.Application.Training;

/// <summary>What a caller sees of a preference-model training job.</summary>
public interface IPreferenceModelTrainingObserver
{
    IDemoModelTrainingObserver DemoModel { get; }

    void Started(Guid jobId, Guid runId, long asOf, long seed, string baseModel);

    /// <summary>A training step of the PMTrainer role hosted in this process (none when another worker trains).</summary>
    void Step(int epoch, int stepsInEpoch, PreferenceStepMetrics metrics);

    /// <param name="local">Whether the role runs in this process (its steps were shown through <see cref="Step"/>).</param>
    void EpochCompleted(EpochCompleted epoch, bool local);
}
