using System.Globalization;
using CaiEvents.Application.Demo;
using CaiEvents.Application.Evaluation;
using CaiEvents.Application.Runs;
using CaiEvents.Application.Training;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;

namespace CaiEvents.Cli.Rendering;

/// <summary><c>cai demo</c> on stderr: each stage as its own command shows it (the preference model quietly), and a line per finished stage.</summary>
internal sealed class ConsoleDemoPipelineObserver(DemoSettings settings) : IDemoPipelineObserver
{
    public IRunObserver Run { get; } = new ConsoleRunObserver();

    public ISlCaiFineTuningObserver Sft { get; } = new ConsoleSlCaiFineTuningObserver();

    public IPreferenceModelTrainingObserver PreferenceModel { get; } = new ConsolePreferenceModelTrainingObserver(quiet: true);

    public IPolicyOptimisationObserver Ppo { get; } = new ConsolePolicyOptimisationObserver(settings.PpoSteps, asJson: false);

    public void EvaluationProgress(int scored, int total) => Rendering.EvaluationProgress.Show(scored, total);

    public void SlStageDone(RunState run, int slExamples, int labels, TimeSpan sinceStart) =>
        Console.Error.WriteLine($"[1/6 SL] run {run.Id}: {slExamples} SL examples" + (labels > 0 ? $", {labels} AI preference labels" : "")
                                + $", {run.Failed} failed ({sinceStart.TotalSeconds:0} s)");

    public void SftStageDone(PolicyCheckpointed sft, int slExamples, TimeSpan took) =>
        Console.Error.WriteLine(
            $"[2/6 SL-CAI] {sft.Step} steps on {slExamples} examples, final loss {Metric(sft.Metrics, "loss")}: {sft.Path} ({Seconds(took)})");

    public void PairsStageDone(RunState pairsRun, int labels, TimeSpan took) =>
        Console.Error.WriteLine($"[3/6 pairs + labels] run {pairsRun.Id}: pairs by {pairsRun.Configuration.Feedback?.PolicyModel}, {labels} AI preference "
                                + $"labels, {pairsRun.Failed} failed ({Seconds(took)})");

    public void PmStageDone(Guid jobId, int epochs, int labels, PreferenceModelCheckpointed pm, TimeSpan took) =>
        Console.Error.WriteLine($"[4/6 preference model] job {jobId}: {epochs} epoch(s) on {labels} labels, held-out accuracy vs the AI labels "
                                + $"{pm.HeldOutAccuracy:0.000}, ECE {pm.Ece:0.000}: {pm.Path} ({Seconds(took)})");

    public void PpoStageDone(PolicyCheckpointed ppo, int rolloutsPerStep, TimeSpan took) =>
        Console.Error.WriteLine($"[5/6 PPO] {ppo.Step} steps × {rolloutsPerStep} rollouts: {ppo.Path} ({Seconds(took)})");

    public void EvalStageDone(PolicyEvaluationResult start, PolicyEvaluationResult final, TimeSpan took) =>
        Console.Error.WriteLine($"[6/6 eval] mean PM reward on {final.Samples} samples: SL-CAI {start.MeanReward:0.000} ± {start.RewardStderr:0.000} → "
                                + $"PPO {final.MeanReward:0.000} ± {final.RewardStderr:0.000}; KL(PPO ‖ SL-CAI) {final.MeanKl:0.000} nats/response "
                                + $"({Seconds(took)})");

    private static string Seconds(TimeSpan took) => took.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";

    private static string Metric(IReadOnlyDictionary<string, double>? metrics, string name) =>
        metrics is not null && metrics.TryGetValue(name, out var v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
}
