using System.CommandLine;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.PPOLearner;
using Spectre.Console;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai ppo train|sample</c>: RL-CAI policy optimisation against a preference model, as a resumable job stream.</summary>
public static class PpoCommands
{
    public static Command Ppo() => new("ppo", "Optimise a policy against a preference model with PPO (RL-CAI)") { Train(), Sample() };

    private static Command Train()
    {
        var run = new Option<string>("--run") { Description = "Run whose prompts are the prompt set (and whose SL-CAI checkpoint is the default policy)", Required = true };
        var pm = new Option<string>("--pm") { Description = "Preference-model checkpoint directory (cai pm train's output; hf:DIR also accepted)", Required = true };
        var policy = new Option<string?>("--policy") { Description = "Starting policy (also the frozen reference): a model id, or sft:RUN (default: sft:<--run>)" };
        var output = new Option<string?>("--out") { Description = "Output directory (checkpoints/step-N); the same --out resumes the same job (default: .cai/ppo/RUN)" };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 50 };
        var klTarget = new Option<double?>("--kl-target") { Description = "Target KL per response (nats) for the adaptive KL coefficient; 0 = fixed coefficient", DefaultValueFactory = _ => 1.0 };
        var klHorizon = new Option<double>("--kl-horizon") { Description = "Rollouts over which the adaptive coefficient corrects a KL error (smaller = faster)", DefaultValueFactory = _ => 32 };
        var klCoef = new Option<double>("--kl-coef") { Description = "Initial (or fixed) KL coefficient β", DefaultValueFactory = _ => 0.1 };
        var rolloutsPerStep = new Option<int>("--rollouts-per-step") { DefaultValueFactory = _ => 16 };
        var miniBatch = new Option<int>("--minibatch-size") { DefaultValueFactory = _ => 8 };
        var epochs = new Option<int>("--ppo-epochs") { DefaultValueFactory = _ => 2 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 5e-5 };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 48 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => 10 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 42 };
        var json = new Option<bool>("--json") { Description = "One JSON line of metrics per step on stdout (the last line is the final checkpoint)" };
        var command = new Command("train", "PPO against a preference model; kill it and run it again to resume. Last line: JSON with the final checkpoint and its sha256.")
        {
            run, pm, policy, output, steps, klTarget, klHorizon, klCoef, rolloutsPerStep, miniBatch, epochs, lr, maxNew, checkpointEvery, seed, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var target = parse.GetValue(klTarget);
            var learningRate = parse.GetValue(lr);
            var hp = new PpoHyperParameters(parse.GetValue(steps), parse.GetValue(rolloutsPerStep), parse.GetValue(miniBatch), parse.GetValue(epochs),
                learningRate, learningRate * 2, ClipRange: 0.2, ValueClipRange: 0.2, ValueCoefficient: 0.5, EntropyCoefficient: 0.0, Gamma: 1.0, Lambda: 0.95,
                MaxGradNorm: 1.0, parse.GetValue(klCoef), target is > 0 ? target : null, KlHorizon: parse.GetValue(klHorizon), parse.GetValue(maxNew), parse.GetValue(checkpointEvery), parse.GetValue(seed));
            try { PpoJob.Validate(hp); }
            catch (Domain.InputException e) { throw new UsageException($"ppo train: {e.Message}"); }
            var pmDirectory = parse.GetValue(pm)!;
            if (pmDirectory.StartsWith(ModelCatalog.HfScheme, StringComparison.Ordinal)) pmDirectory = pmDirectory[ModelCatalog.HfScheme.Length..];

            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            var policyModel = parse.GetValue(policy) ?? $"sft:{runId}";
            if (policyModel.StartsWith("sft:", StringComparison.Ordinal))
            {
                var sftRun = Cli.ParseId(policyModel["sft:".Length..], "--policy sft: run");
                await using var session = store.QuerySession();
                var checkpoint = await PolicyCheckpoints.LatestFinalAsync(session, sftRun, ct)
                    ?? throw new UsageException($"--policy: run {sftRun} has no finished SL-CAI fine-tuning job (run ./cai sft --run {sftRun} --out DIR first, or pass --policy MODEL)");
                policyModel = "hf:" + checkpoint.Path;
            }
            if (policyModel == DemoModel.ModelId) ModelCommands.EnsureDemoModel(force: false, ct);

            var outputDirectory = parse.GetValue(output) ?? Path.Combine(Cli.Home(configuration), "ppo", runId.ToString());
            var request = new PpoRequest(runId, policyModel, pmDirectory, outputDirectory, hp);
            var job = new PpoJob(store, WorkerIdentity.ForThisProcess(), TimeProvider.System);
            var modelOptions = new ModelOptions(Device: configuration["Models:Device"] ?? "cpu");
            Console.Error.WriteLine($"PPO job {PpoJob.JobId(runId, outputDirectory)}: policy {policyModel}, pm {Path.GetFullPath(pmDirectory)}, run {runId}");

            PolicyCheckpointed final;
            if (parse.GetValue(json) || Console.IsErrorRedirected)
            {
                var asJson = parse.GetValue(json);
                final = await job.RunAsync(request, modelOptions, (u, total) =>
                {
                    if (asJson) Console.WriteLine(JsonSerializer.Serialize(StepJson(u)));
                    else Console.Error.WriteLine($"ppo: step {u.Step}/{total} reward {u.MeanReward:0.000} kl {u.MeanKl:0.000} β {u.KlCoefficient:0.0000}");
                }, ct);
            }
            else
            {
                final = null!;
                await Cli.Err.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask("ppo", maxValue: hp.Steps);
                        final = await job.RunAsync(request, modelOptions, (u, _) =>
                        {
                            task.Value = u.Step;
                            task.Description = $"step {u.Step}: reward {u.MeanReward:0.000} kl {u.MeanKl:0.000}";
                        }, ct);
                        task.Value = hp.Steps;
                    });
            }
            Console.WriteLine(JsonSerializer.Serialize(new { job_id = final.JobId, checkpoint = final.Path, sha256 = final.Sha256, step = final.Step, metrics = final.Metrics }));
            return Cli.ExitOk;
        });
        return command;
    }

    private static object StepJson(PolicyUpdateCompleted u) => new
    {
        step = u.Step, mean_reward = u.MeanReward, mean_kl = u.MeanKl, kl_coef = u.KlCoefficient, clip_fraction = u.ClipFraction,
        value_loss = u.ValueLoss, policy_loss = u.PolicyLoss, entropy = u.Entropy, response_tokens = u.MeanResponseTokens, rollout_policy = u.RolloutPolicyHash,
    };

    private static Command Sample()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A policy checkpoint directory (e.g. .cai/ppo/RUN/checkpoints/step-000050)", Required = true };
        var prompt = new Option<string>("--prompt") { Required = true };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var temperature = new Option<double>("--temperature") { DefaultValueFactory = _ => 1.0 };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 64 };
        var command = new Command("sample", "Write one response to a prompt with a policy checkpoint (as the PPO rollouts are sampled)") { checkpoint, prompt, seed, temperature, maxNew };
        command.SetAction(async (parse, ct) =>
        {
            var directory = parse.GetValue(checkpoint)!;
            if (directory.StartsWith(ModelCatalog.HfScheme, StringComparison.Ordinal)) directory = directory[ModelCatalog.HfScheme.Length..];
            if (!File.Exists(Path.Combine(directory, Gpt2Checkpoint.WeightsFileName)))
                throw new UsageException($"--checkpoint: {directory} has no {Gpt2Checkpoint.WeightsFileName}");
            using var model = Gpt2TextModel.Load("hf:" + Path.GetFullPath(directory), directory, new ModelOptions(Device: Cli.Configuration()["Models:Device"] ?? "cpu"));
            var sampling = new SamplingParameters(Temperature: parse.GetValue(temperature), TopP: 1, MaxNewTokens: parse.GetValue(maxNew), StopSequences: PromptFormat.StopSequences);
            var result = await model.GenerateAsync([new GenerationRequest(PromptFormat.RenderResponsePrompt(parse.GetValue(prompt)!), sampling, parse.GetValue(seed))], ct);
            Console.WriteLine(PromptFormat.CutAtTurnMarker(result[0].Text));
            return Cli.ExitOk;
        });
        return command;
    }
}
