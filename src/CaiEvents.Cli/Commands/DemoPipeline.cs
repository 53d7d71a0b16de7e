using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.PPOLearner;
using CaiEvents.Workers.SftTrainer;
using Marten;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Cli.Commands;

/// <summary>
/// The RL half of <c>cai demo</c>: after the SL run (critiques, revisions and AI preference labels), SL-CAI fine-tuning,
/// a preference model, PPO from the SL-CAI policy against it, and an evaluation of start vs final policy. Every stage goes
/// through the same code as its own command (<c>cai sft</c>, <c>cai pm train</c>, <c>cai ppo train</c>, <c>cai ppo eval</c>),
/// with the roles hosted in this process.
/// </summary>
public static class DemoPipeline
{
    public enum Stages { Sl, Rl, All }

    /// <summary>The demo's RL settings; the defaults keep the whole demo within a few minutes on 2 CPU cores.</summary>
    public sealed record Settings(int SftEpochs, int PmEpochs, int PpoSteps, int RolloutsPerStep, int EvalSamples, bool Json);

    public sealed class Options
    {
        public readonly Option<string> StagesOption = new("--stages") { Description = "sl (the SL run and its dataset only: the old demo), rl (SL-CAI, preference model, PPO and eval on an existing --run with SL examples and labels) or all", DefaultValueFactory = _ => "all" };
        public readonly Option<int> SftEpochs = new("--sft-epochs") { Description = "Epochs of SL-CAI fine-tuning", DefaultValueFactory = _ => 2 };
        public readonly Option<int> PmEpochs = new("--pm-epochs") { Description = "Preference-model epochs on the run's labels", DefaultValueFactory = _ => 3 };
        public readonly Option<int> PpoSteps = new("--ppo-steps") { Description = "PPO steps", DefaultValueFactory = _ => 20 };
        public readonly Option<int> RolloutsPerStep = new("--rollouts-per-step") { Description = "PPO rollouts per step", DefaultValueFactory = _ => 32 };
        public readonly Option<int> EvalSamples = new("--eval-samples") { Description = "Samples per prompt in the start-vs-final evaluation", DefaultValueFactory = _ => 2 };
        public readonly Option<string?> Run = new("--run") { Description = "With --stages rl: the run (with SL examples and AI labels, e.g. an earlier demo's) the RL stages start from" };
        public readonly Option<bool> Json = new("--json") { Description = "With --stages all: print the artefacts as one JSON object instead of one path per line" };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { StagesOption, Run, SftEpochs, PmEpochs, PpoSteps, RolloutsPerStep, EvalSamples, Json }) command.Options.Add(option);
        }

        public Stages ReadStages(ParseResult parse) => parse.GetValue(StagesOption)!.ToLowerInvariant() switch
        {
            "sl" => Stages.Sl,
            "rl" => Stages.Rl,
            "all" => Stages.All,
            var other => throw new UsageException($"--stages: '{other}' is not one of sl, rl, all"),
        };

        public Settings Read(ParseResult parse)
        {
            static int AtLeast(int value, int min, string name) =>
                value >= min ? value : throw new UsageException($"{name}: must be ≥ {min}, got {value}");
            return new Settings(AtLeast(parse.GetValue(SftEpochs), 1, "--sft-epochs"), AtLeast(parse.GetValue(PmEpochs), 1, "--pm-epochs"),
                AtLeast(parse.GetValue(PpoSteps), 1, "--ppo-steps"), AtLeast(parse.GetValue(RolloutsPerStep), 1, "--rollouts-per-step"),
                AtLeast(parse.GetValue(EvalSamples), 1, "--eval-samples"), parse.GetValue(Json));
        }
    }

    public static async Task<int> RunRlStagesAsync(IDocumentStore store, RunState run, string slPath, int slCount, Stopwatch started,
        Settings settings, IConfiguration configuration, CancellationToken ct)
    {
        var stage = Stopwatch.StartNew();
        string Took() { var s = stage.Elapsed.TotalSeconds; stage.Restart(); return s.ToString("0", CultureInfo.InvariantCulture) + " s"; }

        // 1. The SL run's two datasets.
        var preferencePath = Path.Combine(Path.GetDirectoryName(slPath)!, $"preferences-{run.Id}.jsonl");
        int labels;
        await using (var session = store.QuerySession())
            labels = await PreferenceDatasetExport.WriteFileAsync(session, run.Id, preferencePath, ct);
        Console.Error.WriteLine($"[1/5 SL + labels] run {run.Id}: {slCount} SL examples, {labels} AI preference labels, {run.Failed} failed ({started.Elapsed.TotalSeconds:0} s)");
        if (slCount == 0 || labels == 0)
        {
            Console.Error.WriteLine($"demo: the run produced {slCount} SL examples and {labels} labels; the RL stages need both (see ./cai status {run.Id}; ./cai retry-failed {run.Id} sends failed ones back)");
            return Cli.ExitFailure;
        }
        stage.Restart();

        // 2. SL-CAI: fine-tune the generator model on the run's SL examples (cai sft's defaults but the epochs).
        var root = Path.Combine(Cli.Home(configuration), "demo", run.Id.ToString());
        // The output directories name the settings, so `--stages rl` again on the same run resumes (or returns) the same jobs, and other settings get new ones.
        var sft = await TrainingCommands.SftAsync(run.Id, Path.Combine(root, $"sft-{settings.SftEpochs}ep"), null, null,
            new SftHyperParameters(settings.SftEpochs, 8, 3e-4, 10, 0.1, 0.0, 1.0, 512, 50, run.Configuration.Seed), configuration, ct);
        Console.Error.WriteLine($"[2/5 SL-CAI] {sft.Step} steps on {slCount} examples, final loss {Metric(sft.Metrics, "loss")}: {sft.Path} ({Took()})");

        // 3. Preference model on the run's labels, by the PMTrainer role in this process (cai pm train's defaults but the epochs).
        var pmHyperParameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["base_model"] = run.Configuration.GeneratorModel,
            ["epochs"] = settings.PmEpochs.ToString(CultureInfo.InvariantCulture),
            ["lr"] = "5e-4",
            ["batch_size"] = "16",
            ["heldout_fraction"] = "0.2",
        };
        var (pmJob, _, pm) = await PreferenceModelCommands.TrainAsync(run.Id, null, run.Configuration.Seed, pmHyperParameters, TransportKind.InMemory, local: true,
            quiet: true, TimeSpan.FromHours(1), configuration, ct);
        Console.Error.WriteLine($"[3/5 preference model] job {pmJob}: {settings.PmEpochs} epoch(s) on {labels} labels, held-out accuracy vs the AI labels "
            + $"{pm.HeldOutAccuracy:0.000}, ECE {pm.Ece:0.000}: {pm.Path} ({Took()})");

        // 4. PPO from the SL-CAI policy against that PM, by the PPOLearner role in this process: docs/ppo.md's recipe, but 20 steps and a
        // fixed β = 0.2 (kl_target 0). In 20 steps the adaptive coefficient of that recipe first falls while the KL is under target and the
        // KL then overshoots (11 nats at step 20 here); a fixed β kept it near 2 nats (README "Two commands").
        var policy = ModelCatalog.HfScheme + sft.Path;
        var maxNew = Math.Min(48, run.Configuration.GeneratorSampling.MaxNewTokens);
        var values = PpoCommands.HyperParameterValues(settings.RolloutsPerStep, Math.Min(8, settings.RolloutsPerStep), 2, 3e-5, klCoef: 0.2, klTarget: 0,
            klHorizon: 64, maxNew, checkpointEvery: 10);
        PpoHyperParameters hp;
        try
        {
            hp = PpoCommandRequest.Parse(settings.PpoSteps, run.Configuration.Seed, values);
            PpoJob.Validate(hp);
        }
        catch (Exception e) when (e is ArgumentException or Domain.InputException)
        {
            throw new UsageException($"demo: {e.Message}");
        }
        var ppo = await PpoCommands.TrainAsync(run.Id, pm.Path, policy, Path.Combine(root, $"ppo-{pmJob:N}-{settings.PpoSteps}x{settings.RolloutsPerStep}"), hp, values, PpoCommandRequest.InProcess,
            PpoCommandRequest.RolloutMode(PpoCommandRequest.InProcess), TransportKind.InMemory, local: true, asJson: false, TimeSpan.FromHours(1), configuration, ct);
        Console.Error.WriteLine($"[4/5 PPO] {ppo.Step} steps × {settings.RolloutsPerStep} rollouts: {ppo.Path} ({Took()})");

        // 5. Start vs final policy on the run's prompts, the same seeded samples for both (cai ppo eval).
        const long evalSeed = 20_000;
        var before = await PpoCommands.EvalAsync(run.Id, pm.Path, policy, null, settings.EvalSamples, evalSeed, maxNew, configuration, ct);
        var after = await PpoCommands.EvalAsync(run.Id, pm.Path, ModelCatalog.HfScheme + ppo.Path, policy, settings.EvalSamples, evalSeed, maxNew, configuration, ct);
        Console.Error.WriteLine($"[5/5 eval] mean PM reward on {after.Samples} samples: SL-CAI {before.MeanReward:0.000} ± {before.RewardStderr:0.000} → "
            + $"PPO {after.MeanReward:0.000} ± {after.RewardStderr:0.000}; KL(PPO ‖ SL-CAI) {after.MeanKl:0.000} nats/response ({Took()})");
        Console.Error.WriteLine($"demo: all stages in {started.Elapsed.TotalSeconds:0} s. Audit a label: ./cai audit label <label_id from {Path.GetFileName(preferencePath)}>; "
            + "watch runs and jobs: ./cai dashboard");

        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                run_id = run.Id, sl_dataset = slPath, preference_dataset = preferencePath, pm_checkpoint = pm.Path, policy_checkpoint = ppo.Path,
                sl_examples = slCount, labels, pm_heldout_accuracy = pm.HeldOutAccuracy, sft_checkpoint = sft.Path,
                eval = new { samples = after.Samples, start_reward = before.MeanReward, final_reward = after.MeanReward, mean_kl = after.MeanKl },
                seconds = Math.Round(started.Elapsed.TotalSeconds, 1),
            }));
        }
        else
        {
            Console.WriteLine(slPath);
            Console.WriteLine(preferencePath);
            Console.WriteLine(pm.Path);
            Console.WriteLine(ppo.Path);
        }
        return Cli.ExitOk;
    }

    private static string Metric(IReadOnlyDictionary<string, double>? metrics, string name) =>
        metrics is not null && metrics.TryGetValue(name, out var v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
}
