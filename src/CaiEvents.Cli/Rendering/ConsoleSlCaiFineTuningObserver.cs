using CaiEvents.Application.Demo;
using CaiEvents.Application.Training;
using CaiEvents.Models.Training;

namespace CaiEvents.Cli.Rendering;

/// <summary>An SL-CAI fine-tuning job on stderr: its id, then a line every 10 steps and at the last.</summary>
internal sealed class ConsoleSlCaiFineTuningObserver : ISlCaiFineTuningObserver
{
    public IDemoModelTrainingObserver DemoModel { get; } = new ConsoleDemoModelTrainingObserver();

    public void Started(Guid jobId, string baseModel, Guid runId) => Console.Error.WriteLine($"SFT job {jobId}: base {baseModel}, run {runId}");

    public void Step(TrainingStepMetrics metrics, int totalSteps)
    {
        if ((metrics.Step + 1) % 10 == 0 || metrics.Step + 1 == totalSteps)
            Console.Error.WriteLine($"sft: step {metrics.Step + 1}/{totalSteps} loss {metrics.Loss:0.0000} lr {metrics.LearningRate:0.000000}");
    }
}
