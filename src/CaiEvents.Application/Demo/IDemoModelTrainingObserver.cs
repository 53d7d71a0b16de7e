using CaiEvents.Models.Demo;
using CaiEvents.Models.Training;

namespace CaiEvents.Application.Demo;

/// <summary>What a caller sees of training builtin:demo (only when the cached model is missing or stale).</summary>
public interface IDemoModelTrainingObserver
{
    void Started(string recipeHash, string directory);

    /// <summary>Runs <paramref name="train"/>, handing it the callback that shows each training step (step metrics, total steps).</summary>
    void Watch(Action<Action<TrainingStepMetrics, int>> train);

    void Finished(DemoTrainingReport report);
}
