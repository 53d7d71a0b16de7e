using CaiEvents.Models.Training;

namespace CaiEvents.Workers.SftTrainer;

/// <summary>Step-level progress of SFT jobs running in this process (for a progress bar); the checkpoint events are the durable record.</summary>
public sealed class SftProgress
{
    /// <summary>Job id, the step's metrics, and the job's total steps.</summary>
    public event Action<Guid, TrainingStepMetrics, int>? Step;

    internal void Report(Guid jobId, TrainingStepMetrics metrics, int totalSteps) => Step?.Invoke(jobId, metrics, totalSteps);
}
