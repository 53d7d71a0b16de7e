using System.CommandLine;
using System.Text.Json;
using CaiEvents.Application.Evaluation;
using CaiEvents.Application.Sampling;
using CaiEvents.Application.Training;
using CaiEvents.Cli.Options;
using CaiEvents.Cli.Rendering;
using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Workers.PPOLearner;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai ppo train|sample|eval|eval-job</c>: RL-CAI policy optimisation against a preference model, as a resumable job stream.</summary>
public static class PpoCommands
{
    public static Command Ppo() => new("ppo", "Optimise a policy against a preference model with PPO (RL-CAI)") { Train(), Sample(), Eval(), EvalJob() };

    private static Command Train()
    {
        var run = new Option<string>("--run")
        {
            Description = "Run whose prompts are the prompt set (and whose SL-CAI checkpoint is the default policy)",
            Required = true,
        };
        var pm = new Option<string>("--pm")
        {
            Description = "Preference-model checkpoint directory (cai pm train's output; hf:DIR also accepted)",
            Required = true,
        };
        var policy = new Option<string?>("--policy")
        {
            Description = "Starting policy (also the frozen reference): a model id, or sft:RUN (default: sft:<--run>)",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Output directory (checkpoints/step-N); the same --out resumes the same job (default: .cai/ppo/RUN)",
        };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 50 };
        var klTarget = new Option<double?>("--kl-target")
        {
            Description = "Target KL per response (nats) for the adaptive KL coefficient; 0 = fixed coefficient",
            DefaultValueFactory = _ => 1.0,
        };
        var klHorizon = new Option<double>("--kl-horizon")
        {
            Description = "Rollouts over which the adaptive coefficient corrects a KL error (smaller = faster)",
            DefaultValueFactory = _ => 32,
        };
        var klCoef = new Option<double>("--kl-coef") { Description = "Initial (or fixed) KL coefficient β", DefaultValueFactory = _ => 0.1 };
        var rolloutsPerStep = new Option<int>("--rollouts-per-step") { DefaultValueFactory = _ => 16 };
        var miniBatch = new Option<int>("--minibatch-size") { DefaultValueFactory = _ => 8 };
        var epochs = new Option<int>("--ppo-epochs") { DefaultValueFactory = _ => 2 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 5e-5 };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 48 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => 10 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 42 };
        var json = new Option<bool>("--json") { Description = "One JSON line of metrics per step on stdout (the last line is the final checkpoint)" };
        var rollouts = new Option<string>("--rollouts")
        {
            Description = "inprocess (the learner samples its own rollouts) or workers (Generator workers over the bus sample them)",
            DefaultValueFactory = _ => PpoCommandRequest.InProcess,
        };
        var transport = new Option<string>("--transport")
        {
            Description = "inmemory (train in this process) or rabbitmq (any PPOLearner worker; this process hosts one too unless --no-local-worker)",
            DefaultValueFactory = _ => "inmemory",
        };
        var noLocal = new Option<bool>("--no-local-worker") { Description = "With rabbitmq: only send the command and follow another worker's events" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the job to finish", DefaultValueFactory = _ => 7200 };
        var compute = new TrainingComputeOptions();
        var lora = new LoraOptions();
        var command = new Command("train",
            "PPO against a preference model as a PPOLearner job; kill it and run it again to resume. Last line: JSON with the final checkpoint and its sha256.")
        {
            run, pm, policy, output, steps, klTarget, klHorizon, klCoef, rolloutsPerStep, miniBatch, epochs, lr, maxNew, checkpointEvery, seed, json,
            rollouts, transport, noLocal, timeout, compute.Precision, compute.GradientAccumulation,
            compute.ActivationCheckpointing,
        };
        lora.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var kind = HostOptions.ParseTransport(parse.GetValue(transport)!);
            var local = !(parse.GetValue(noLocal) && kind == TransportKind.RabbitMq);
            var asJson = parse.GetValue(json);
            var learningRate = parse.GetValue(lr);
            var values = PolicyOptimisation.HyperParameterValues(parse.GetValue(rolloutsPerStep), parse.GetValue(miniBatch), parse.GetValue(epochs),
                learningRate, parse.GetValue(klCoef), parse.GetValue(klTarget) ?? 0, parse.GetValue(klHorizon), parse.GetValue(maxNew),
                parse.GetValue(checkpointEvery));
            compute.AddChanged(parse, values);
            lora.AddChanged(parse, values);
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
            var final = await PolicyOptimisation.TrainAsync(runId, parse.GetValue(pm)!, parse.GetValue(policy), parse.GetValue(output), hp, values,
                parse.GetValue(rollouts)!, rolloutMode, kind, local, TimeSpan.FromSeconds(parse.GetValue(timeout)), Cli.Configuration(),
                new ConsolePolicyOptimisationObserver(hp.Steps, asJson), ct);
            Console.WriteLine(JsonSerializer.Serialize(
                new { job_id = final.JobId, checkpoint = final.Path, sha256 = final.Sha256, step = final.Step, metrics = final.Metrics }));
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Sample()
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "A policy checkpoint directory (e.g. .cai/ppo/RUN/checkpoints/step-000050)",
            Required = true,
        };
        var prompt = new Option<string>("--prompt") { Required = true };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var temperature = new Option<double>("--temperature") { DefaultValueFactory = _ => 1.0 };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 64 };
        var command = new Command("sample",
            "Write one response to a prompt with a policy checkpoint (as the PPO rollouts are sampled)") { checkpoint, prompt, seed, temperature, maxNew };
        command.SetAction(async (parse, ct) =>
        {
            var response = await ResponseSampling.SampleAsync(parse.GetValue(checkpoint)!, parse.GetValue(prompt)!, parse.GetValue(seed),
                parse.GetValue(temperature), parse.GetValue(maxNew), Cli.Configuration(), ct);
            Console.WriteLine(response);
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
        var policy = new Option<string>("--policy")
        {
            Description = "Policy to evaluate: a model id, hf:DIR (e.g. a PPO checkpoint), or sft:RUN",
            Required = true,
        };
        var reference = new Option<string?>("--reference") { Description = "Reference policy for the KL column (a model id, hf:DIR or sft:RUN)" };
        var samples = new Option<int>("--samples") { Description = "Samples per prompt", DefaultValueFactory = _ => 4 };
        var seed = new Option<long>("--seed")
        {
            Description = "Sampling seed (use one the training did not: the default differs from train's)",
            DefaultValueFactory = _ => 20_000,
        };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 48 };
        var command = new Command("eval",
            "Mean PM reward (± standard error) of a policy on a run's prompts, and mean KL to a reference; prints one JSON line.")
        {
            run, pm, policy, reference, samples, seed, maxNew,
        };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var result = await PolicyEvaluation.EvaluateAsync(runId, parse.GetValue(pm)!, parse.GetValue(policy)!, parse.GetValue(reference),
                parse.GetValue(samples), parse.GetValue(seed), parse.GetValue(maxNew), Cli.Configuration(), EvaluationProgress.Show, ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                policy = result.Policy, policy_sha256 = result.PolicySha256, pm = result.Pm, prompts = result.Prompts, samples = result.Samples,
                mean_reward = result.MeanReward, reward_stderr = result.RewardStderr, reference = result.Reference, mean_kl = result.MeanKl,
            }));
            return Cli.ExitOk;
        });
        return command;
    }
    /// <summary>
    /// <c>cai ppo eval-job</c>: a finished PPO job's start-versus-final evaluation (<c>cai ppo eval</c> of its start policy and of its final
    /// checkpoint, on the same seeds), recorded on the job's stream as <see cref="PpoEvaluated"/>; asked again, it prints the stored numbers.
    /// </summary>
    private static Command EvalJob()
    {
        var job = new Option<string>("--job") { Description = "A finished PPO job (its id, as cai ppo train prints it)", Required = true };
        var samples = new Option<int>("--samples") { Description = "Samples per prompt", DefaultValueFactory = _ => 4 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed (the default differs from train's)", DefaultValueFactory = _ => 20_000 };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "Default: the job's own" };
        var command = new Command("eval-job",
            "Evaluate a finished PPO job's start and final policies on its run's prompts and record it on the job's stream; prints one JSON line.")
        {
            job, samples, seed, maxNew,
        };
        command.SetAction(async (parse, ct) =>
        {
            var e = await PpoJobEvaluation.EvaluateAndRecordAsync(Cli.ParseId(parse.GetValue(job)!, "job"), parse.GetValue(samples), parse.GetValue(seed),
                parse.GetValue(maxNew), Cli.Configuration(), EvaluationProgress.Show, ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                job_id = e.JobId, prompts = e.Prompts, samples_per_prompt = e.SamplesPerPrompt, seed = e.Seed, max_new_tokens = e.MaxNewTokens,
                start = new { policy = e.Start.Policy, mean_reward = e.Start.MeanReward, reward_stderr = e.Start.RewardStderr },
                final = new { policy = e.Final.Policy, mean_reward = e.Final.MeanReward, reward_stderr = e.Final.RewardStderr, mean_kl = e.Final.MeanKl },
            }));
            return Cli.ExitOk;
        });
        return command;
    }
}
