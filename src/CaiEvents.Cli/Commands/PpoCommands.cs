using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.PPOLearner;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai ppo train|sample</c>: RL-CAI policy optimisation against a preference model, as a resumable job stream.</summary>
public static class PpoCommands
{
    public static Command Ppo() => new("ppo", "Optimise a policy against a preference model with PPO (RL-CAI)") { Train(), Sample(), Eval() };

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
        var rollouts = new Option<string>("--rollouts") { Description = "inprocess (the learner samples its own rollouts) or workers (Generator workers over the bus sample them)", DefaultValueFactory = _ => PpoCommandRequest.InProcess };
        var transport = new Option<string>("--transport") { Description = "inmemory (train in this process) or rabbitmq (any PPOLearner worker; this process hosts one too unless --no-local-worker)", DefaultValueFactory = _ => "inmemory" };
        var noLocal = new Option<bool>("--no-local-worker") { Description = "With rabbitmq: only send the command and follow another worker's events" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the job to finish", DefaultValueFactory = _ => 7200 };
        var command = new Command("train", "PPO against a preference model as a PPOLearner job; kill it and run it again to resume. Last line: JSON with the final checkpoint and its sha256.")
        {
            run, pm, policy, output, steps, klTarget, klHorizon, klCoef, rolloutsPerStep, miniBatch, epochs, lr, maxNew, checkpointEvery, seed, json,
            rollouts, transport, noLocal, timeout,
        };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var kind = RunCommands.ParseTransport(parse.GetValue(transport)!);
            var local = !(parse.GetValue(noLocal) && kind == TransportKind.RabbitMq);
            var asJson = parse.GetValue(json);
            var learningRate = parse.GetValue(lr);
            var values = HyperParameterValues(parse.GetValue(rolloutsPerStep), parse.GetValue(miniBatch), parse.GetValue(epochs), learningRate, parse.GetValue(klCoef),
                parse.GetValue(klTarget) ?? 0, parse.GetValue(klHorizon), parse.GetValue(maxNew), parse.GetValue(checkpointEvery));
            string rolloutMode;
            PpoHyperParameters hp;
            try
            {
                hp = PpoCommandRequest.Parse(parse.GetValue(steps), parse.GetValue(seed), values);
                PpoJob.Validate(hp);
                rolloutMode = PpoCommandRequest.RolloutMode(parse.GetValue(rollouts));
            }
            catch (Exception e) when (e is ArgumentException or Domain.InputException)
            {
                throw new UsageException($"ppo train: {e.Message}");
            }
            if (rolloutMode == PpoCommandRequest.DistributedMode && kind != TransportKind.RabbitMq)
                throw new UsageException("--rollouts workers: needs --transport rabbitmq (Generator workers in other processes sample the rollouts)");
            var final = await TrainAsync(runId, parse.GetValue(pm)!, parse.GetValue(policy), parse.GetValue(output), hp, values, parse.GetValue(rollouts)!, rolloutMode,
                kind, local, asJson, TimeSpan.FromSeconds(parse.GetValue(timeout)), Cli.Configuration(), ct);
            Console.WriteLine(JsonSerializer.Serialize(new { job_id = final.JobId, checkpoint = final.Path, sha256 = final.Sha256, step = final.Step, metrics = final.Metrics }));
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>
    /// The body of <c>cai ppo train</c> (also the PPO stage of <c>cai demo</c>): resolves the policy (sft:RUN → its SL-CAI checkpoint),
    /// sends <see cref="TrainPolicy"/>, hosts the PPOLearner role when <paramref name="local"/>, follows the job to its final checkpoint.
    /// </summary>
    /// <param name="pm">Preference-model directory (hf:DIR accepted).</param>
    /// <param name="policy">Starting policy; null = sft:RUN.</param>
    /// <param name="output">Output directory; null = CAI_HOME/ppo/RUN.</param>
    public static async Task<PolicyCheckpointed> TrainAsync(Guid runId, string pm, string? policy, string? output, PpoHyperParameters hp,
        IReadOnlyDictionary<string, string> values, string rollouts, string rolloutMode, TransportKind kind, bool local, bool asJson, TimeSpan timeout,
        Microsoft.Extensions.Configuration.IConfiguration configuration, CancellationToken ct)
    {
        var pmDirectory = pm;
        if (pmDirectory.StartsWith(ModelCatalog.HfScheme, StringComparison.Ordinal)) pmDirectory = pmDirectory[ModelCatalog.HfScheme.Length..];
        pmDirectory = Path.GetFullPath(pmDirectory);
        if (local && !File.Exists(Path.Combine(pmDirectory, Gpt2Checkpoint.WeightsFileName)))
            throw new UsageException($"--pm: {pmDirectory} is not a preference-model checkpoint (no {Gpt2Checkpoint.WeightsFileName})");

        await using var store = await Cli.OpenStoreAsync(configuration, ct);
        var policyModel = policy ?? $"sft:{runId}";
        if (policyModel.StartsWith("sft:", StringComparison.Ordinal))
        {
            var sftRun = Cli.ParseId(policyModel["sft:".Length..], "--policy sft: run");
            await using var session = store.QuerySession();
            var checkpoint = await PolicyCheckpoints.LatestFinalAsync(session, sftRun, ct)
                ?? throw new UsageException($"--policy: run {sftRun} has no finished SL-CAI fine-tuning job (run ./cai sft --run {sftRun} --out DIR first, or pass --policy MODEL)");
            policyModel = "hf:" + checkpoint.Path;
        }
        if (policyModel == DemoModel.ModelId && local) ModelCommands.EnsureDemoModel(force: false, ct);

        var outputDirectory = Path.GetFullPath(output ?? Path.Combine(Cli.Home(configuration), "ppo", runId.ToString()));
        var jobId = PpoJob.JobId(runId, outputDirectory);
        await using (var query = store.QuerySession())
        {
            var first = (await query.Events.FetchStreamAsync(jobId, token: ct)).Select(e => e.Data).FirstOrDefault();
            if (first is PpoStarted old && (old.RunId != runId || old.PolicyModel != policyModel || old.HyperParameters != hp || old.RolloutMode != rolloutMode
                    || (local && old.PreferenceModelCheckpointHash != Models.Preference.RewardModel.FileSha256(pmDirectory))))
                throw new UsageException($"--out: {outputDirectory} already holds PPO job {jobId} (policy {old.PolicyModel}, pm {old.PreferenceModel}) with other settings; use another --out");
        }
        Console.Error.WriteLine($"PPO job {jobId}: policy {policyModel}, pm {pmDirectory}, run {runId}, rollouts {rolloutMode}");

        using var host = await RunCommands.StartHostAsync(local ? [WorkerRoles.PpoLearner] : [], kind, configuration, null, ct);
        var train = new TrainPolicy(jobId, runId, pmDirectory, hp.Steps, hp.Seed, values, policyModel, outputDirectory, rollouts);
        var endpoint = await host.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(CommandQueues.AddressFor(train));
        await endpoint.Send(train, ct);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        async Task<PolicyCheckpointed> FollowAsync(Action<PolicyUpdateCompleted> onStep)
        {
            var printed = 0;
            while (true)
            {
                await using (var query = store.QuerySession())
                {
                    var events = (await query.Events.FetchStreamAsync(jobId, token: ct)).Select(e => e.Data).ToList();
                    if (events.OfType<PpoFailed>().FirstOrDefault() is { } failed) throw new Domain.InputException("ppo train", null, failed.Reason);
                    foreach (var u in events.OfType<PolicyUpdateCompleted>().Skip(printed))
                    {
                        onStep(u);
                        printed++;
                    }
                    if (events.OfType<PolicyCheckpointed>().FirstOrDefault(c => c.Final) is { } done) return done;
                }
                try
                {
                    await Task.Delay(500, limit.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"ppo: job {jobId} did not finish within {timeout.TotalSeconds} s (it continues; run the same command again to wait)");
                }
            }
        }

        PolicyCheckpointed final;
        if (asJson || Console.IsErrorRedirected)
        {
            final = await FollowAsync(u =>
            {
                if (asJson) Console.WriteLine(JsonSerializer.Serialize(StepJson(u)));
                else Console.Error.WriteLine($"ppo: step {u.Step}/{hp.Steps} reward {u.MeanReward:0.000} kl {u.MeanKl:0.000} β {u.KlCoefficient:0.0000}");
            });
        }
        else
        {
            final = null!;
            await Cli.Err.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("ppo", maxValue: hp.Steps);
                    final = await FollowAsync(u =>
                    {
                        task.Value = u.Step;
                        task.Description = $"step {u.Step}: reward {u.MeanReward:0.000} kl {u.MeanKl:0.000}";
                    });
                    task.Value = hp.Steps;
                });
        }
        await host.StopAsync(CancellationToken.None);
        return final;
    }

    /// <summary>The <see cref="TrainPolicy"/> hyper-parameter values the train options set (value lr = 2 × lr, no entropy bonus).</summary>
    public static Dictionary<string, string> HyperParameterValues(int rolloutsPerStep, int miniBatch, int epochs, double learningRate, double klCoef,
        double klTarget, double klHorizon, int maxNewTokens, int checkpointEvery)
    {
        string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["rollouts_per_step"] = I(rolloutsPerStep), ["minibatch_size"] = I(miniBatch), ["ppo_epochs"] = I(epochs),
            ["lr"] = R(learningRate), ["value_lr"] = R(learningRate * 2), ["entropy_coef"] = "0", ["kl_coef"] = R(klCoef),
            ["kl_target"] = R(klTarget), ["kl_horizon"] = R(klHorizon), ["max_new_tokens"] = I(maxNewTokens),
            ["checkpoint_every"] = I(checkpointEvery),
        };
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

    /// <summary>
    /// <c>cai ppo eval</c>: the mean preference-model reward of a policy on a run's prompts (K seeded samples per prompt, sampled
    /// as the rollouts are), and with --reference the mean sequence KL to it; the same seeds for every policy, so two policies
    /// are compared on the same prompts and sampling noise.
    /// </summary>
    private static Command Eval()
    {
        var run = new Option<string>("--run") { Description = "Run whose prompts are the evaluation set", Required = true };
        var pm = new Option<string>("--pm") { Description = "Preference-model checkpoint directory", Required = true };
        var policy = new Option<string>("--policy") { Description = "Policy to evaluate: a model id, hf:DIR (e.g. a PPO checkpoint), or sft:RUN", Required = true };
        var reference = new Option<string?>("--reference") { Description = "Reference policy for the KL column (a model id, hf:DIR or sft:RUN)" };
        var samples = new Option<int>("--samples") { Description = "Samples per prompt", DefaultValueFactory = _ => 4 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed (use one the training did not: the default differs from train's)", DefaultValueFactory = _ => 20_000 };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 48 };
        var command = new Command("eval", "Mean PM reward (± standard error) of a policy on a run's prompts, and mean KL to a reference; prints one JSON line.")
        {
            run, pm, policy, reference, samples, seed, maxNew,
        };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var result = await EvalAsync(runId, parse.GetValue(pm)!, parse.GetValue(policy)!, parse.GetValue(reference), parse.GetValue(samples), parse.GetValue(seed),
                parse.GetValue(maxNew), Cli.Configuration(), ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                policy = result.Policy, policy_sha256 = result.PolicySha256, pm = result.Pm, prompts = result.Prompts, samples = result.Samples,
                mean_reward = result.MeanReward, reward_stderr = result.RewardStderr, reference = result.Reference, mean_kl = result.MeanKl,
            }));
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>What <c>cai ppo eval</c> prints (mean KL only with a reference).</summary>
    public sealed record EvalResult(string Policy, string PolicySha256, string Pm, int Prompts, int Samples, double MeanReward, double RewardStderr,
        string? Reference, double? MeanKl);

    /// <summary>The body of <c>cai ppo eval</c> (also the evaluation of <c>cai demo</c>): seeded samples of a policy on a run's prompts, scored by a PM.</summary>
    public static async Task<EvalResult> EvalAsync(Guid runId, string pm, string policy, string? reference, int samples, long seed, int maxNewTokens,
        Microsoft.Extensions.Configuration.IConfiguration configuration, CancellationToken ct)
    {
        var perPrompt = samples;
        if (perPrompt < 1) throw new UsageException("--samples: must be ≥ 1");
        var pmDirectory = pm;
        if (pmDirectory.StartsWith(ModelCatalog.HfScheme, StringComparison.Ordinal)) pmDirectory = pmDirectory[ModelCatalog.HfScheme.Length..];
        if (!File.Exists(Path.Combine(pmDirectory, Gpt2Checkpoint.WeightsFileName)))
            throw new UsageException($"--pm: {pmDirectory} is not a preference-model checkpoint (no {Gpt2Checkpoint.WeightsFileName})");
        await using var store = await Cli.OpenStoreAsync(configuration, ct);
        List<string> prompts;
        await using (var query = store.QuerySession())
        {
            prompts = (await Marten.QueryableExtensions.ToListAsync(query.Events.QueryRawEventDataOnly<PromptSubmitted>().Where(p => p.RunId == runId), ct))
                .OrderBy(p => p.Index).Select(p => p.Prompt).ToList();
            if (prompts.Count == 0) throw new UsageException($"--run: run {runId} has no prompts");
        }
        async Task<string> ResolveAsync(string id, string option)
        {
            if (!id.StartsWith("sft:", StringComparison.Ordinal)) return id;
            var sftRun = Cli.ParseId(id["sft:".Length..], option + " sft: run");
            await using var session = store.QuerySession();
            var checkpoint = await PolicyCheckpoints.LatestFinalAsync(session, sftRun, ct)
                ?? throw new UsageException($"{option}: run {sftRun} has no finished SL-CAI fine-tuning job");
            return "hf:" + checkpoint.Path;
        }
        var modelOptions = new ModelOptions(Device: configuration["Models:Device"] ?? "cpu");
        var policyId = await ResolveAsync(policy, "--policy");
        var referenceId = reference is { } r ? await ResolveAsync(r, "--reference") : null;
        using var model = ModelCatalog.Load(policyId, modelOptions) as Gpt2TextModel ?? throw new UsageException($"--policy: {policyId} is not a local GPT-2 model");
        using var referenceModel = referenceId is null ? null
            : ModelCatalog.Load(referenceId, modelOptions) as Gpt2TextModel ?? throw new UsageException($"--reference: {referenceId} is not a local GPT-2 model");
        using var scorer = Models.Preference.RewardScorer.Load(pmDirectory, modelOptions);
        var sampling = new SamplingParameters(Temperature: 1.0, TopP: 1.0, TopK: 0, MaxNewTokens: maxNewTokens, StopSequences: PromptFormat.StopSequences);
        var items = Enumerable.Range(0, prompts.Count).SelectMany(p => Enumerable.Range(0, perPrompt).Select(k => (Prompt: p, Seed: seed + p * 1009L + k))).ToList();
        var rewards = new List<double>();
        var kls = new List<double>();
        foreach (var chunk in items.Chunk(32))
        {
            var generated = await model.GenerateTokensAsync(chunk.Select(i => new GenerationRequest(PromptFormat.RenderResponsePrompt(prompts[i.Prompt]), sampling, i.Seed)).ToList(), true, ct);
            rewards.AddRange(await scorer.ScoreAsync(chunk.Select((i, j) => (prompts[i.Prompt], PromptFormat.CutAtTurnMarker(generated[j].Text))).ToList(), ct));
            if (referenceModel is not null)
            {
                var rollouts = generated.Select(g => new Models.Rl.Rollout(g.PromptIds.ToArray(), g.TokenIds.Count == 0 ? [model.Tokenizer.EndOfTextId] : g.TokenIds.ToArray(), 0)).ToList();
                kls.AddRange(await TorchThread.RunAsync(() => Models.Rl.PpoTrainer.SequenceKl(model.Module, referenceModel.Module, rollouts, model.Tokenizer.EndOfTextId), ct));
            }
            Console.Error.Write($"\rppo eval: {rewards.Count}/{items.Count}   ");
        }
        Console.Error.WriteLine();
        var mean = rewards.Average();
        var stderr = Math.Sqrt(rewards.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, rewards.Count - 1) / rewards.Count);
        return new EvalResult(policyId, model.Identity.CheckpointHash, Path.GetFullPath(pmDirectory), prompts.Count, rewards.Count, mean, stderr, referenceId,
            kls.Count > 0 ? kls.Average() : null);
    }
}
