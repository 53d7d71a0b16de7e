using CaiEvents.Application.Demo;
using CaiEvents.Contracts.Events;

namespace CaiEvents.Application.Training;

/// <summary>What a caller sees of a PPO job.</summary>
public interface IPolicyOptimisationObserver
{
    IDemoModelTrainingObserver DemoModel { get; }

    void Started(Guid jobId, string policyModel, string pmDirectory, Guid runId, string rolloutMode);

    /// <summary>Runs <paramref name="follow"/>, handing it the callback that shows each completed PPO step.</summary>
    Task<PolicyCheckpointed> WatchAsync(Func<Action<PolicyUpdateCompleted>, Task<PolicyCheckpointed>> follow);
}
