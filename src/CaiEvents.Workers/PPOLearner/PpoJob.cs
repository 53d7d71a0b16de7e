using System.Security.Cryptography;
using System.Text;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Lora;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Rl;
using CaiEvents.Models.Training;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Marten;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>
/// PPO (RL-CAI's last stage) as an event-sourced job, built like <see cref="SftJob"/>: the job id is a function of the run
/// and the output directory; the stream holds <see cref="PpoStarted"/>, one <see cref="PolicyUpdateCompleted"/> per step and a
/// <see cref="PolicyCheckpointed"/> every <c>CheckpointEvery</c> steps (policy as an HF GPT-2 directory with its sha256, the
/// value network in <c>value/</c>, the optimizer state). Running it again after a kill resumes from the last checkpoint event:
/// weights, optimizer moments and KL coefficient are restored, and the prompt sampler, the rollout seeds and the minibatch
/// order are functions of the step, so the resumed job retraces the steps after that checkpoint exactly; those steps'
/// events, already in the stream, are not appended twice.
/// </summary>
public sealed class PpoJob(IDocumentStore store, WorkerIdentity worker, TimeProvider clock, IRolloutGenerator? rollouts = null,
    ModelOptions? modelOptions = null, PpoProgress? progress = null) : IBackgroundJobRunner
{
    public const string JobKind = "ppo";
    public const string OptimizerStateFileName = "optimizer.bin";
    public const string ValueDirectoryName = "value";
    public const string KlCoefficientMetric = "kl_coefficient_next";

    private readonly IRolloutGenerator _inProcess = new InProcessRollouts();
    private readonly ModelOptions _modelOptions = modelOptions ?? ModelOptions.Cpu;

    public string Kind => JobKind;

    public static Guid JobId(Guid runId, string outputDirectory) =>
        DeterministicIds.Create(runId, $"ppo:{Path.GetFullPath(outputDirectory).TrimEnd('/')}");

    /// <summary>
    /// PPO samples from the policy itself: temperature 1, no truncation, stopping at the next turn (and, for a policy with a chat
    /// template, at its end of turn, as the Generator does: <see cref="RolePrompts.StopSequences"/>).
    /// </summary>
    public static SamplingParameters Sampling(PpoHyperParameters hp, ChatTemplate? chatTemplate = null) =>
        new(Temperature: 1.0, TopP: 1.0, TopK: 0, MaxNewTokens: hp.MaxNewTokens, StopSequences: RolePrompts.StopSequences(chatTemplate));

    /// <summary>The rollout prompt of one run prompt: the Generator's response prompt for the policy (<see cref="RolePrompts.Response"/>).</summary>
    public static RolloutPrompt Rollout(int index, string prompt, long seed, ChatTemplate? chatTemplate) =>
        new(index, prompt, RolePrompts.Response(chatTemplate, prompt), seed);

    /// <summary>The seed of row <paramref name="row"/> of step <paramref name="step"/>.</summary>
    public static long RolloutSeed(long seed, int step, int row) => unchecked(seed * 1_000_003 + step * 4099L + row);

    public static string PromptSetHash(IReadOnlyList<string> prompts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u001e", prompts))));

    /// <summary>
    /// The job's first event for <paramref name="request"/>: checks the prompt set, the preference model and the policy, and
    /// hashes them. Bad input is an <see cref="InputException"/>; nothing is written.
    /// </summary>
    public async Task<PpoStarted> StartedAsync(Guid jobId, PpoRequest request, string rolloutMode, ModelOptions modelOptions, CancellationToken ct)
    {
        var hp = request.HyperParameters;
        Validate(hp);
        var output = Path.GetFullPath(request.OutputDirectory);
        var pmDirectory = Path.GetFullPath(request.PreferenceModelDirectory);
        var prompts = await RunPromptsAsync(request.RunId, ct);
        if (prompts.Count == 0) throw new InputException("--run", null, $"run {request.RunId} has no prompts");
        if (!RewardModel.Exists(pmDirectory))
            throw new InputException("--pm", null,
                $"{pmDirectory} is not a preference-model checkpoint (no {LocalCheckpoint.WeightsFileName} or {PeftAdapter.ConfigFileName})");
        var pmHash = RewardModel.FileSha256(pmDirectory);
        using var probe = LoadPolicy(request.PolicyModel, modelOptions);
        if (hp.Lora is { } lora)
        {
            if (probe.Adapters is not null)
                throw new InputException("--policy", null, $"{request.PolicyModel} is a LoRA adapter; merge it into its base first (cai model merge)");
            LoraTraining.Check(lora, probe.Network);
            if (rolloutMode == PpoCommandRequest.DistributedMode)
                throw new InputException("--lora-rank", null, "LoRA PPO samples its rollouts in process (--rollouts inprocess)");
        }
        return new PpoStarted(jobId, request.RunId, request.PolicyModel, probe.Identity.CheckpointHash, request.PolicyModel, probe.Identity.CheckpointHash,
            "hf:" + pmDirectory, pmHash, PromptSetHash(prompts), prompts.Count, hp, hp.Seed, rolloutMode, output, worker.Instance, clock.GetUtcNow());
    }

    /// <summary>
    /// Runs (or resumes) the job of <paramref name="request"/> in this process, starting its stream if needed; returns the
    /// final checkpoint. The same output directory with other settings is an <see cref="InputException"/>.
    /// </summary>
    public async Task<PolicyCheckpointed> RunAsync(PpoRequest request, ModelOptions modelOptions,
        Action<PolicyUpdateCompleted, int>? onStep, CancellationToken ct)
    {
        var hp = request.HyperParameters;
        Validate(hp);
        var output = Path.GetFullPath(request.OutputDirectory);
        var jobId = JobId(request.RunId, output);
        var history = await HistoryAsync(jobId, ct);
        if (history.Count == 0)
        {
            var mode = rollouts is null or InProcessRollouts ? PpoCommandRequest.InProcessMode : PpoCommandRequest.DistributedMode;
            var first = await StartedAsync(jobId, request, mode, modelOptions, ct);
            await BackgroundJobs.TryStartAsync(store, jobId, JobKind, first, clock.GetUtcNow(), finished: false, ct);
            history = await HistoryAsync(jobId, ct);
        }
        if (history.Select(e => e.Data).OfType<PpoFailed>().FirstOrDefault() is { } failed) throw new InputException("--out", null,
            $"PPO job {jobId} failed: {failed.Reason}");
        var started = history[0].Data as PpoStarted ?? throw new InputException("--out", null, $"{output} holds job {jobId}, which is not a PPO job");
        var pmHash = RewardModel.FileSha256(Path.GetFullPath(request.PreferenceModelDirectory));
        if (started.RunId != request.RunId || started.PolicyModel != request.PolicyModel || started.PreferenceModelCheckpointHash != pmHash
            || started.HyperParameters != hp)
            throw new InputException("--out", null,
                $"{output} already holds PPO job {jobId} (policy {started.PolicyModel}, pm {started.PreferenceModel}) with other settings; use another --out");
        return await TrainAsync(started, history, modelOptions, onStep, ct);
    }

    /// <summary>The background-job side: runs or resumes a job whose stream a <see cref="TrainPolicyConsumer"/> started.</summary>
    public async Task RunAsync(Guid jobId, CancellationToken ct)
    {
        var history = await HistoryAsync(jobId, ct);
        if (history.Count == 0) return;
        if (history[0].Data is not PpoStarted started || history.Any(e => e.Data is PpoFailed or PolicyCheckpointed { Final: true }))
        {
            await using var heal = store.LightweightSession(); // finished before its record said so (or not a PPO stream)
            BackgroundJobs.MarkFinished(heal, jobId, JobKind, history[0].Timestamp);
            await heal.SaveChangesAsync(ct);
            return;
        }
        try
        {
            await TrainAsync(started, history, _modelOptions, (u, total) => progress?.Report(u, total), ct);
        }
        catch (InputException e)
        {
            await using var session = store.LightweightSession();
            var version = (await HistoryAsync(jobId, ct)).Count;
            session.Events.Append(jobId, version + 1, new PpoFailed(jobId, e.Message, clock.GetUtcNow()));
            BackgroundJobs.MarkFinished(session, jobId, JobKind, history[0].Timestamp);
            await session.SaveChangesAsync(ct);
        }
    }

    private async Task<IReadOnlyList<JasperFx.Events.IEvent>> HistoryAsync(Guid jobId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.Events.FetchStreamAsync(jobId, token: ct);
    }

    private async Task<PolicyCheckpointed> TrainAsync(PpoStarted started, IReadOnlyList<JasperFx.Events.IEvent> events, ModelOptions modelOptions,
        Action<PolicyUpdateCompleted, int>? onStep, CancellationToken ct)
    {
        var jobId = started.JobId;
        var hp = started.HyperParameters;
        var createdAt = events[0].Timestamp;
        var history = events.Select(e => e.Data).ToList();
        var output = started.OutputDirectory;
        var pmDirectory = ModelIds.LocalDirectory(started.PreferenceModel);
        var last = history.OfType<PolicyCheckpointed>().LastOrDefault();
        if (last is { Final: true }) return last;
        var recorded = history.OfType<PolicyUpdateCompleted>().Select(u => u.Step).ToHashSet();
        var generator = started.RolloutMode == PpoCommandRequest.DistributedMode
            ? rollouts is null or InProcessRollouts ? throw new InputException("rollouts", null,
                "this process has no distributed rollout source (Generator workers over RabbitMQ)") : rollouts
            : _inProcess;

        var prompts = await RunPromptsAsync(started.RunId, ct);
        if (started.PromptSetHash != PromptSetHash(prompts))
            throw new InvalidOperationException($"job {jobId}: run {started.RunId}'s prompts no longer hash to {started.PromptSetHash}");
        if (!RewardModel.Exists(pmDirectory))
            throw new InputException("--pm", null, $"{pmDirectory} is not a preference-model checkpoint on this worker");
        if (RewardModel.FileSha256(pmDirectory) != started.PreferenceModelCheckpointHash)
            throw new InputException("--pm", null, $"{pmDirectory} no longer hashes to {started.PreferenceModelCheckpointHash}");

        // With LoRA the reference is the policy with its adapters switched off: no second copy is loaded.
        using var reference = hp.Lora is null ? LoadPolicy(started.ReferenceModel, modelOptions) : null;
        if (reference is not null && reference.Identity.CheckpointHash != started.ReferenceCheckpointHash)
            throw new InvalidOperationException($"job {jobId}: reference {started.ReferenceModel} no longer hashes to {started.ReferenceCheckpointHash}");
        using var policy = last is null ? LoadPolicy(started.PolicyModel, modelOptions) : LoadCheckpoint(last, modelOptions);
        if (hp.Lora is { } lora && policy.Adapters is null)
        {
            await TorchThread.RunAsync(() =>
            {
                policy.AttachAdapters(LoraTraining.Config(lora, policy.Network), hp.Seed);
                return LoraTraining.EnsureBaseCopy(policy, started.PolicyModel, output);
            }, ct);
        }
        using var scorer = RewardScorer.Load(pmDirectory, modelOptions);
        var valueDirectory = last is null ? pmDirectory : Path.Combine(last.Path, ValueDirectoryName);
        var value = await TorchThread.RunAsync(() => RewardModel.Load(valueDirectory, modelOptions), ct);
        try
        {
            if (value.VocabSize != policy.Network.VocabSize)
                throw new InputException("--pm", null,
                    $"the preference model's vocabulary ({value.VocabSize}) differs from the policy's ({policy.Network.VocabSize})");
            IKlController kl = hp.KlTarget is { } target
                ? new AdaptiveKlController(last?.Metrics[KlCoefficientMetric] ?? hp.InitialKlCoefficient, target, hp.KlHorizon)
                : new FixedKlController(hp.InitialKlCoefficient);
            var options = new PpoOptions(hp.MiniBatchSize, hp.Epochs, hp.LearningRate, hp.ValueLearningRate, hp.ClipRange, hp.ValueClipRange,
                hp.ValueCoefficient, hp.EntropyCoefficient, hp.Gamma, hp.Lambda, hp.MaxGradNorm, hp.Seed, TrainingPrecisions.Parse(hp.Precision),
                hp.GradientAccumulation ?? 1, hp.ActivationCheckpointing ?? false);
            using var trainer = await TorchThread.RunAsync(() =>
            {
                var valueFunction = new ValueFunction(value, value.TokenScores);
                var t = policy.Adapters is { } adapters
                    ? new PpoTrainer(adapters, valueFunction, options, kl, policy.Tokenizer.EndOfTextId)
                    : new PpoTrainer(policy.Network, reference!.Network, valueFunction, options, kl, policy.Tokenizer.EndOfTextId);
                if (last is not null) t.LoadOptimizerState(Path.Combine(last.Path, OptimizerStateFileName));
                return t;
            }, ct);

            var version = history.Count;
            // A LoRA policy's hash is its base's combined with its adapter's (the reference's hash is the base's alone).
            string PolicyHash() => LoraTraining.CheckpointSha256(policy, started.PolicyCheckpointHash);
            var policyHash = policy.Adapters is null ? policy.Identity.CheckpointHash : await TorchThread.RunAsync(PolicyHash, ct);
            var sampling = Sampling(hp, policy.ChatTemplate);
            var window = new List<PolicyUpdateCompleted>();
            PolicyCheckpointed? checkpoint = null;
            for (var step = last?.Step ?? 0; step < hp.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                var drawn = PromptSampler.Indices(prompts.Count, hp.RolloutsPerStep, hp.Seed, step);
                var stepPrompts = drawn.Select((p, row) => Rollout(p, prompts[p], RolloutSeed(hp.Seed, step, row), policy.ChatTemplate)).ToList();
                var samples = await generator.GenerateAsync(policy, policyHash, jobId, step + 1, stepPrompts, sampling, output, ct);
                var responses = samples.Select(s => RolePrompts.Cut(policy.ChatTemplate, s.Text)).ToList();
                var scores = await scorer.ScoreAsync(stepPrompts.Select((p, i) => (p.Prompt, responses[i])).ToList(), ct);
                var batch = samples.Select((s, i) => new Rollout(s.PromptIds, s.ResponseIds.Length == 0 ? [policy.Tokenizer.EndOfTextId] : s.ResponseIds,
                    scores[i])).ToList();
                var s0 = step;
                var m = await TorchThread.RunAsync(() => trainer.Step(batch, s0), ct);
                var update = new PolicyUpdateCompleted(jobId, step + 1, m.MeanScore, m.MeanKl, m.MeanTotalReward, m.ClipFraction, m.PolicyLoss, m.ValueLoss,
                    m.Entropy, m.KlCoefficient, m.MeanResponseTokens, policyHash, PromptSampler.Position(step + 1, hp.RolloutsPerStep), clock.GetUtcNow());
                window.Add(update);
                // The policy changed: its weights no longer hash to policyHash. Hash the new weights for the next rollouts' provenance.
                policyHash = await TorchThread.RunAsync(PolicyHash, ct);
                var isCheckpoint = (step + 1) % hp.CheckpointEvery == 0 || step + 1 == hp.Steps;
                var newEvents = new List<object>();
                if (recorded.Add(update.Step)) newEvents.Add(update); // a step retraced after a resume is already in the stream
                if (isCheckpoint)
                {
                    var path = Path.Combine(output, "checkpoints", $"step-{step + 1:000000}");
                    await TorchThread.RunAsync(() => { SaveAtomically(policy, value, trainer, path, started); return true; }, ct);
                    var sha = RewardModel.FileSha256(path);
                    if (sha != policyHash) throw new InvalidOperationException($"checkpoint {path} hashes to {sha}, the weights to {policyHash}");
                    checkpoint = new PolicyCheckpointed(jobId, step + 1, hp.Steps, path, sha, 0, null, new Dictionary<string, double>
                    {
                        ["mean_reward"] = window.Average(u => u.MeanReward),
                        ["mean_kl"] = window.Average(u => u.MeanKl),
                        [KlCoefficientMetric] = kl.Coefficient,
                        ["prompt_cursor"] = update.PromptCursor,
                    }, step + 1 == hp.Steps, clock.GetUtcNow(),
                        // A LoRA checkpoint records its base (the starting policy) and its adapter file apart; sha combines the two.
                        policy.Adapters is null ? null : started.PolicyCheckpointHash,
                        policy.Adapters is null ? null : FileHash(Path.Combine(path, PeftAdapter.WeightsFileName)));
                    newEvents.Add(checkpoint);
                    window.Clear();
                }
                if (newEvents.Count > 0)
                {
                    await using var session = store.LightweightSession();
                    // Expected version: a second process running the same job cannot interleave its events with these.
                    session.Events.Append(jobId, version + newEvents.Count, [.. newEvents]);
                    if (checkpoint is { Final: true }) BackgroundJobs.MarkFinished(session, jobId, JobKind, createdAt);
                    await session.SaveChangesAsync(ct);
                    version += newEvents.Count;
                }
                onStep?.Invoke(update, hp.Steps);
            }
            return checkpoint ?? last!;
        }
        finally
        {
            await TorchThread.RunAsync(() => { value.Dispose(); return true; }, CancellationToken.None);
        }
    }

    private static string FileHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The run's prompts in submission order (its prompt set).</summary>
    private async Task<IReadOnlyList<string>> RunPromptsAsync(Guid runId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var submitted = await query.Events.QueryRawEventDataOnly<PromptSubmitted>().Where(p => p.RunId == runId).ToListAsync(ct);
        return submitted.OrderBy(p => p.Index).Select(p => p.Prompt).ToList();
    }

    public static void Validate(PpoHyperParameters hp)
    {
        if (hp.Steps < 1 || hp.RolloutsPerStep < 1 || hp.MiniBatchSize < 1 || hp.Epochs < 1 || hp.CheckpointEvery < 1 || hp.MaxNewTokens < 1)
            throw new InputException("hyper-parameters", null,
                "steps, rollouts per step, minibatch size, epochs, checkpoint interval and max new tokens must be ≥ 1");
        if (hp.LearningRate <= 0 || hp.ValueLearningRate <= 0 || hp.ClipRange <= 0 || hp.ValueClipRange <= 0 || hp.InitialKlCoefficient < 0
            || hp.KlHorizon <= 0)
            throw new InputException("hyper-parameters", null, "learning rates, clip ranges and the KL horizon must be > 0 and the KL coefficient ≥ 0");
        if (hp.KlTarget is <= 0) throw new InputException("--kl-target", null, $"must be > 0 (got {hp.KlTarget})");
        if (hp.KlTarget is not null && hp.InitialKlCoefficient <= 0) throw new InputException("--kl-coef", null, "an adaptive KL coefficient must start > 0");
    }

    private static LocalTextModel LoadPolicy(string modelId, ModelOptions options) =>
        ModelCatalog.Load(modelId, options) as LocalTextModel
        ?? throw new InputException("--policy", null,
            $"{modelId} is not a local TorchSharp model (builtin:tiny, builtin:demo or hf:DIR) and cannot be trained here");

    private static LocalTextModel LoadCheckpoint(PolicyCheckpointed checkpoint, ModelOptions options) => PolicyCheckpointFiles.Load(checkpoint, options);

    /// <summary>
    /// Policy, value network and optimizer state into a staging folder, then one rename: a kill leaves no half checkpoint. A LoRA policy
    /// saves as a PEFT adapter directory naming its base (<see cref="LoraTraining.BaseReference"/>), so <c>hf:</c> of it loads both.
    /// </summary>
    private static void SaveAtomically(LocalTextModel policy, RewardModel value, PpoTrainer trainer, string path, PpoStarted started)
    {
        var staging = path + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        if (policy.Adapters is { } adapters)
            PeftAdapter.Save(adapters, staging, LoraTraining.BaseReference(policy, started.PolicyModel, started.OutputDirectory, path));
        else
            policy.Architecture.Save(policy.Network, policy.Tokenizer, staging);
        value.Save(Path.Combine(staging, ValueDirectoryName));
        trainer.SaveOptimizerState(Path.Combine(staging, OptimizerStateFileName));
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.Move(staging, path);
    }
}
