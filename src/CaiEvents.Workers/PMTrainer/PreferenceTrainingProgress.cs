using CaiEvents.Models.Preference;

namespace CaiEvents.Workers.PMTrainer;

/// <summary>Step-level progress of jobs running in this process (for a progress bar); events carry the durable record.</summary>
public sealed class PreferenceTrainingProgress
{
    public event Action<Guid, int, int, PreferenceStepMetrics>? Step;

    internal void Report(Guid jobId, int epoch, int stepsInEpoch, PreferenceStepMetrics metrics) => Step?.Invoke(jobId, epoch, stepsInEpoch, metrics);
}
