using CaiEvents.Contracts.Events;
using CaiEvents.Dashboard.Charts;

namespace CaiEvents.Dashboard.Jobs;

/// <summary>
/// The curves of a job page, taken from the job's events as recorded (no smoothing): SFT loss and learning rate per checkpoint
/// (the only SFT events that carry them), PM loss, accuracy, held-out accuracy and ECE per <see cref="EpochCompleted"/>, and PPO
/// reward, KL, β, clip fraction and value loss per <see cref="PolicyUpdateCompleted"/>; and the reliability diagram of a PM job's last
/// checkpoint, from the bins its event records.
/// </summary>
public static class JobCharts
{
    public static IReadOnlyList<Chart> Of(IReadOnlyList<object> events)
    {
        if (events.OfType<PreferenceModelTrainingStarted>().Any())
        {
            var curves = PreferenceModel(events.OfType<EpochCompleted>().ToList());
            var last = events.OfType<PreferenceModelCheckpointed>().LastOrDefault();
            return last is { HeldOutReliability: not null } ? [.. curves, Reliability(last)] : curves;
        }
        if (events.OfType<PpoStarted>().Any()) return Ppo(events.OfType<PolicyUpdateCompleted>().ToList());
        if (events.OfType<PolicyTrainingStarted>().Any()) return Sft(events.OfType<PolicyCheckpointed>().ToList());
        return [];
    }

    private static IReadOnlyList<Chart> Sft(IReadOnlyList<PolicyCheckpointed> checkpoints)
    {
        const string note = "one point per checkpoint: the mean loss of the steps since the previous checkpoint, and the learning rate at its step";
        return
        [
            Line("sft-loss", "Training loss", "step", "loss",
                [Series("loss", checkpoints, c => c.Step, c => c.Metrics.GetValueOrDefault("loss", double.NaN))], note),
            Line("sft-learning-rate", "Learning rate", "step", "learning rate",
                [Series("learning rate", checkpoints, c => c.Step, c => c.Metrics.GetValueOrDefault("learning_rate", double.NaN))], note),
        ];
    }

    private static IReadOnlyList<Chart> PreferenceModel(IReadOnlyList<EpochCompleted> epochs)
    {
        const string note = "one point per EpochCompleted event";
        List<ChartSeries> accuracy =
            [Series("training accuracy", epochs, e => e.Epoch, e => e.Accuracy), Series("held-out accuracy", epochs, e => e.Epoch, e => e.HeldOutAccuracy)];
        List<ChartSeries> ece = [Series("ECE", epochs, e => e.Epoch, e => e.HeldOutEce)];
        // With human comparisons in the dataset, each epoch also records the held-out metrics of each source (−1: no pair of it takes a side).
        var sources = new (string, Func<EpochCompleted, HeldOutMetrics?>)[] { ("AI labels", e => e.AiHeldOut), ("human", e => e.HumanHeldOut) };
        foreach (var (name, source) in sources)
        {
            if (!epochs.Any(e => source(e) is not null)) continue;
            accuracy.Add(Series($"held-out accuracy ({name})", epochs, e => e.Epoch, e => source(e) is { Accuracy: >= 0 } m ? m.Accuracy : double.NaN));
            ece.Add(Series($"ECE ({name})", epochs, e => e.Epoch, e => source(e) is { Ece: >= 0 } m ? m.Ece : double.NaN));
        }
        return
        [
            Line("pm-loss", "Loss", "epoch", "loss", [Series("loss", epochs, e => e.Epoch, e => e.Loss)], note),
            Line("pm-accuracy", "Accuracy", "epoch", "accuracy", accuracy, note),
            Line("pm-ece", "Held-out expected calibration error", "epoch", "ECE", ece, note),
        ];
    }

    /// <summary>One dot per non-empty bin at (mean confidence, share predicted right): a calibrated model lies on the diagonal.</summary>
    private static Chart Reliability(PreferenceModelCheckpointed checkpoint)
    {
        var bins = checkpoint.HeldOutReliability!.Where(b => b.Count > 0).ToList();
        return new Chart("pm-reliability", $"Reliability of the last checkpoint (epoch {checkpoint.Epoch})", "mean confidence in the predicted side",
            "share predicted right", "scatter",
            [new ChartSeries("held-out pairs per confidence bin", bins.Select(b => new ChartPoint(b.MeanPredicted!.Value, b.ObservedFraction)).ToList())],
            $"one dot per non-empty bin of its PreferenceModelCheckpointed event ({bins.Sum(b => b.Count)} held-out pair(s) that take a side); "
            + "the diagonal is perfect calibration");
    }

    private static IReadOnlyList<Chart> Ppo(IReadOnlyList<PolicyUpdateCompleted> steps)
    {
        const string note = "one point per PolicyUpdateCompleted event";
        var ordered = steps.GroupBy(s => s.Step).Select(g => g.First()).OrderBy(s => s.Step).ToList();
        return
        [
            Line("ppo-reward", "Mean reward", "step", "reward",
                [
                    Series("mean reward", ordered, s => s.Step, s => s.MeanReward),
                    Series("mean total reward (reward − β·KL)", ordered, s => s.Step, s => s.MeanTotalReward),
                ],
                note),
            Line("ppo-kl", "Mean KL to the reference", "step", "KL", [Series("mean KL", ordered, s => s.Step, s => s.MeanKl)], note),
            Line("ppo-beta", "KL coefficient β", "step", "β", [Series("β", ordered, s => s.Step, s => s.KlCoefficient)], note),
            Line("ppo-clip-fraction", "Clip fraction", "step", "clip fraction", [Series("clip fraction", ordered, s => s.Step, s => s.ClipFraction)], note),
            Line("ppo-value-loss", "Value loss", "step", "value loss", [Series("value loss", ordered, s => s.Step, s => s.ValueLoss)], note),
        ];
    }

    private static Chart Line(string id, string title, string x, string y, IReadOnlyList<ChartSeries> series, string note) =>
        new(id, title, x, y, "line", series, note);

    /// <summary>A value that is not finite (a metric a job could not compute) is a gap: JSON has no NaN.</summary>
    private static ChartSeries Series<T>(string name, IEnumerable<T> items, Func<T, int> x, Func<T, double> y) =>
        new(name, items.Select(i => new ChartPoint(x(i), y(i) is var v && double.IsFinite(v) ? v : null)).ToList());
}
