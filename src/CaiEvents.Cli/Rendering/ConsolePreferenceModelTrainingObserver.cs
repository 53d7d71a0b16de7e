using CaiEvents.Application.Demo;
using CaiEvents.Application.Training;
using CaiEvents.Contracts.Events;
using CaiEvents.Models.Preference;

namespace CaiEvents.Cli.Rendering;

/// <summary>A preference-model job on stderr: its id, a step bar while this process trains, a line per epoch; nothing when quiet.</summary>
internal sealed class ConsolePreferenceModelTrainingObserver(bool quiet) : IPreferenceModelTrainingObserver
{
    public IDemoModelTrainingObserver DemoModel { get; } = new ConsoleDemoModelTrainingObserver();

    public void Started(Guid jobId, Guid runId, long asOf, long seed, string baseModel)
    {
        if (!quiet) Console.Error.WriteLine($"pm: job {jobId} (run {runId}, as of sequence {asOf}, seed {seed}, base {baseModel})");
    }

    public void Step(int epoch, int stepsInEpoch, PreferenceStepMetrics metrics)
    {
        if (quiet) return;
        var done = (metrics.Step % stepsInEpoch) + 1;
        var bar = new string('#', done * 20 / stepsInEpoch).PadRight(20, '.');
        var accuracy = double.IsNaN(metrics.Accuracy) ? 0 : metrics.Accuracy;
        Console.Error.Write($"\rpm: epoch {epoch} [{bar}] {done}/{stepsInEpoch} loss {metrics.Loss:0.0000} acc {accuracy:0.00}   ");
        if (done == stepsInEpoch) Console.Error.WriteLine();
    }

    public void EpochCompleted(EpochCompleted epoch, bool local)
    {
        if (quiet) return;
        if (!local) Console.Error.WriteLine($"pm: epoch {epoch.Epoch}/{epoch.TotalEpochs} ({epoch.Phase}) loss {epoch.Loss:0.0000} acc {epoch.Accuracy:0.00}");
        Console.Error.WriteLine($"pm: epoch {epoch.Epoch}/{epoch.TotalEpochs} ({epoch.Phase}) held-out accuracy {epoch.HeldOutAccuracy:0.000} "
                                + $"ECE {epoch.HeldOutEce:0.000} ({epoch.PairsPerSecond:0.0} pairs/s)");
        if (epoch is { AiHeldOut: { } ai, HumanHeldOut: { } human })
            Console.Error.WriteLine($"pm:   AI-labelled pairs ({ai.Pairs}) accuracy {ai.Accuracy:0.000} ECE {ai.Ece:0.000}; "
                                    + $"human pairs ({human.Pairs}) accuracy {human.Accuracy:0.000} ECE {human.Ece:0.000}");
    }
}
