using System.Diagnostics;
using CaiEvents.Application.Demo;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Training;
using Spectre.Console;

namespace CaiEvents.Cli.Rendering;

/// <summary>Training builtin:demo on stderr: a progress bar on a terminal, a line every 15 s otherwise.</summary>
internal sealed class ConsoleDemoModelTrainingObserver : IDemoModelTrainingObserver
{
    public void Started(string recipeHash, string directory) =>
        Console.Error.WriteLine($"Training {DemoModel.ModelId} (recipe {recipeHash}) into {directory}; this takes a few minutes on 2 cores.");

    public void Watch(Action<Action<TrainingStepMetrics, int>> train)
    {
        if (Console.IsErrorRedirected)
        {
            var last = Stopwatch.StartNew();
            train((m, total) =>
            {
                if (last.Elapsed < TimeSpan.FromSeconds(15) && m.Step + 1 < total) return;
                last.Restart();
                Console.Error.WriteLine($"train-demo: step {m.Step + 1}/{total} loss {m.Loss:0.000} lr {m.LearningRate:0.0000}");
            });
            return;
        }
        Cli.Err.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training builtin:demo");
                train((m, total) =>
                {
                    task.MaxValue = total;
                    task.Value = m.Step + 1;
                    task.Description = $"training builtin:demo, loss {m.Loss:0.000}";
                });
            });
    }

    public void Finished(DemoTrainingReport report) =>
        Console.Error.WriteLine($"{DemoModel.ModelId}: {report.Steps} steps in {report.TrainSeconds:0}s, held-out loss {report.HeldOutLoss:0.000}, " +
                                $"harmless preferred on {report.HarmlessPreferenceRate:P1} of {report.HeldOutComparisons} held-out comparisons");
}
