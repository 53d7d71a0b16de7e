using CaiEvents.Contracts.Events;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>Step-level progress of PPO jobs running in this process (for a progress bar); the events are the durable record.</summary>
public sealed class PpoProgress
{
    public event Action<PolicyUpdateCompleted, int>? Step;

    internal void Report(PolicyUpdateCompleted update, int totalSteps) => Step?.Invoke(update, totalSteps);
}
