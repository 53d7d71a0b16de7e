using System.CommandLine;
using System.Text.Json;
using CaiEvents.Application.Demo;
using CaiEvents.Cli.Options;
using CaiEvents.Cli.Rendering;
using CaiEvents.Models.Demo;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai demo</c>: the whole pipeline in this process (<see cref="DemoPipeline"/>); prints the artefacts' paths.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        // A lower temperature for the small demo model: fewer invented words, same mechanics.
        var inputs = RunOptions.Create(promptsRequired: false, temperature: 0.5);
        var options = new DemoOptions();
        var command = new Command("demo", "The main job: every role in this process on the shipped prompt set with builtin:demo (trained first if needed): "
            + "SL critiques/revisions and AI preference labels, SL-CAI fine-tuning, a preference model, PPO and its evaluation; prints the artefacts' paths.");
        inputs.AddTo(command);
        command.Options.Add(HostOptions.Concurrency);
        options.AddTo(command);
        command.Options.Add(ChatTemplateOption.Option);
        command.SetAction(async (parse, ct) =>
        {
            var configuration = ChatTemplateOption.Apply(parse, Cli.Configuration());
            var stages = options.ReadStages(parse);
            if (stages == DemoStages.All && parse.GetValue(inputs.NoSl))
                throw new UsageException(
                    "--no-sl: cai demo --stages all needs the SL stage (its examples are the SL-CAI dataset); use --stages sl --pairs --no-sl");
            var settings = options.Read(parse);
            var rlRun = parse.GetValue(options.Run);
            if ((rlRun is null) == (stages == DemoStages.Rl))
                throw new UsageException(stages == DemoStages.Rl
                    ? "--stages rl: needs --run RUN (a run with SL examples and AI labels)"
                    : "--run: only with --stages rl");
            // Every input is read and checked before anything runs.
            var request = rlRun is not null ? null
                : inputs.Read(parse, configuration, defaultModel: DemoModel.ModelId, withPairs: stages == DemoStages.All);
            var runId = rlRun is null ? (Guid?)null : Cli.ParseId(rlRun, "run");
            var outcome = await DemoPipeline.RunAsync(new DemoRequest(request, runId, stages, settings, parse.GetValue(HostOptions.Concurrency)), configuration,
                new ConsoleDemoPipelineObserver(settings), ct);
            return Print(outcome, stages, parse.GetValue(options.Json));
        });
        return command;
    }

    private static int Print(DemoOutcome outcome, DemoStages stages, bool json)
    {
        var run = outcome.Run;
        if (stages == DemoStages.Sl)
        {
            Console.Error.WriteLine($"Run {run.Id}: {run.Finalized} SL examples, {run.Failed} failed; {outcome.SlExamples} lines exported.");
            Console.Error.WriteLine($"Audit one with: ./cai audit sample <sample_id from the file>");
            Console.WriteLine(outcome.SlDataset);
            return Cli.ExitOk;
        }
        if (outcome.Rl is not { } rl)
        {
            Console.Error.WriteLine($"demo: the run produced {outcome.SlExamples} SL examples and {outcome.SkippedLabels} labels; the RL stages need both "
                                    + $"(see ./cai status {run.Id}; ./cai retry-failed {run.Id} sends failed ones back)");
            return Cli.ExitFailure;
        }
        Console.Error.WriteLine($"demo: all stages in {outcome.Elapsed.TotalSeconds:0} s. Audit a label: ./cai audit label <label_id from "
                                + $"{Path.GetFileName(rl.PreferenceDataset)}>; watch runs and jobs: ./cai dashboard");
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                run_id = run.Id, sl_dataset = outcome.SlDataset, preference_dataset = rl.PreferenceDataset, pm_checkpoint = rl.Pm.Path,
                policy_checkpoint = rl.Ppo.Path, sl_examples = outcome.SlExamples, labels = rl.Labels, pm_heldout_accuracy = rl.Pm.HeldOutAccuracy,
                sft_checkpoint = rl.Sft.Path, pairs_run_id = rl.PairsRun,
                eval = new { samples = rl.Final.Samples, start_reward = rl.Start.MeanReward, final_reward = rl.Final.MeanReward, mean_kl = rl.Final.MeanKl },
                seconds = Math.Round(outcome.Elapsed.TotalSeconds, 1),
            }));
        }
        else
        {
            Console.WriteLine(outcome.SlDataset);
            Console.WriteLine(rl.PreferenceDataset);
            Console.WriteLine(rl.Pm.Path);
            Console.WriteLine(rl.Ppo.Path);
        }
        return Cli.ExitOk;
    }
}
