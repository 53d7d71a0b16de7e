using CaiEvents.Application.Demo;
using CaiEvents.Models.Training;

namespace CaiEvents.Application.Training;

/// <summary>What a caller sees of an SL-CAI fine-tuning job.</summary>
public interface ISlCaiFineTuningObserver
{
    IDemoModelTrainingObserver DemoModel { get; }

    void Started(Guid jobId, string baseModel, Guid runId);

    void Step(TrainingStepMetrics metrics, int totalSteps);
}
