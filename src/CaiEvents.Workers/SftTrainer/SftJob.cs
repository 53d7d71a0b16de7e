using System.Diagnostics;
using System.Security.Cryptography;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Lora;
using CaiEvents.Models.Training;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using CaiEvents.Workers.PPOLearner;
using JasperFx.Events;
using Marten;

namespace CaiEvents.Workers.SftTrainer;

/// <summary>
/// SL-CAI fine-tuning as an event-sourced job (the SftTrainer role; PPO follows).
/// The job stream records what it trained on (the run's SL examples as of an event sequence, with their hash),
/// its hyper-parameters and every checkpoint (HF GPT-2 directory + sha256 + optimizer state). The job id is a
/// function of the run and the output directory, so running the same command again after a kill resumes
/// from the last checkpoint event and ends with the same weights as an uninterrupted run.
/// It runs in the caller's process (<c>cai sft</c>: <see cref="RunAsync(SftRequest, ModelOptions, Action{TrainingStepMetrics, int}?, CancellationToken)"/>)
/// or as a background job whose stream a <see cref="FineTunePolicyConsumer"/> started (<see cref="RunAsync(Guid, CancellationToken)"/>).
/// </summary>
public sealed class SftJob(IDocumentStore store, WorkerIdentity worker, TimeProvider clock, ModelOptions? modelOptions = null, SftProgress? progress = null)
    : IBackgroundJobRunner
{
    public const string Kind = "sft";
    public const string OptimizerStateFileName = "optimizer.bin";

    private readonly ModelOptions _modelOptions = modelOptions ?? ModelOptions.Cpu;

    string IBackgroundJobRunner.Kind => Kind;

    public static Guid JobId(Guid runId, string outputDirectory) =>
        DeterministicIds.Create(runId, $"sft:{Path.GetFullPath(outputDirectory).TrimEnd('/')}");

    /// <summary>
    /// The supervised pair of one example: the prompt as the policy sees it, and the completion it should write (the only loss
    /// targets). A base model (<paramref name="chatTemplate"/> null) gets the paper's <c>Human:/Assistant:</c> text and the
    /// completion after a space, then end-of-text. An instruct model gets its chat rendering, as the Generator prompts it
    /// (<see cref="RolePrompts.Response"/>: the prompt as the user turn and the generation prompt), then the completion as the
    /// assistant turn ending with the template's end of turn, so the policy learns to close its turn where rollouts stop.
    /// </summary>
    public static TrainingSequence Sequence(ITextTokenizer tokenizer, SlExample example, int maxLength, ChatTemplate? chatTemplate = null) =>
        chatTemplate is null
            ? TrainingSequence.PromptCompletion(
                tokenizer.EncodePrompt(PromptFormat.RenderResponsePrompt(example.Prompt)),
                [.. tokenizer.Encode(" " + example.Completion), tokenizer.EndOfTextId]).Truncate(maxLength)
            : TrainingSequence.PromptCompletion(
                tokenizer.EncodePrompt(RolePrompts.Response(chatTemplate, example.Prompt)),
                tokenizer.Encode(example.Completion + chatTemplate.EndOfTurn)).Truncate(maxLength);

    /// <summary>
    /// The job's first event for <paramref name="request"/>: the run's SL examples (as of AsOf) with their hash, and the base model's
    /// hash. Bad input (no examples, a base model that cannot be fine-tuned) is an <see cref="InputException"/>; nothing is written.
    /// </summary>
    public async Task<PolicyTrainingStarted> StartedAsync(Guid jobId, SftRequest request, ModelOptions modelOptions, CancellationToken ct) =>
        (await StartAsync(jobId, request, modelOptions, ct)).Started;

    private async Task<(PolicyTrainingStarted Started, SlDataset Dataset)> StartAsync(Guid jobId, SftRequest request, ModelOptions modelOptions,
        CancellationToken ct)
    {
        var hp = request.HyperParameters;
        await using var query = store.QuerySession();
        var dataset = await SlDataset.LoadAsync(query, request.RunId, request.AsOf, ct);
        if (dataset.Examples.Count == 0)
            throw new InputException("--run", null, $"run {request.RunId} has no finalised SL examples{(request.AsOf is { } a ? $" as of sequence {a}" : "")}");
        using var probe = LoadPolicy(request.BaseModel, modelOptions);
        if (probe.Adapters is not null)
            throw new InputException("--base", null, $"{request.BaseModel} is a LoRA adapter; merge it into its base first (cai model merge)");
        if (hp.Lora is { } lora) LoraTraining.Check(lora, probe.Network);
        var perStep = hp.BatchSize * (hp.GradientAccumulation ?? 1);
        var steps = hp.Epochs * ((dataset.Examples.Count + perStep - 1) / perStep);
        var started = new PolicyTrainingStarted(jobId, Kind, request.RunId, request.BaseModel, probe.Identity.CheckpointHash,
            dataset.SnapshotPosition, dataset.Hash, dataset.Examples.Count, steps, hp, Path.GetFullPath(request.OutputDirectory), worker.Instance,
            clock.GetUtcNow());
        return (started, dataset);
    }

    /// <summary>Runs (or resumes) the job of <paramref name="request"/> in this process, starting its stream if needed; returns the final checkpoint.</summary>
    public async Task<PolicyCheckpointed> RunAsync(SftRequest request, ModelOptions modelOptions,
        Action<TrainingStepMetrics, int>? onStep, CancellationToken ct)
    {
        var jobId = JobId(request.RunId, Path.GetFullPath(request.OutputDirectory));
        IReadOnlyList<object> history;
        await using (var query = store.QuerySession())
            history = (await query.Events.FetchStreamAsync(jobId, token: ct)).Select(e => e.Data).ToList();

        if (history.Count == 0)
        {
            var (started, dataset) = await StartAsync(jobId, request, modelOptions, ct);
            await using (var session = store.LightweightSession())
            {
                session.Events.StartStream(jobId, started);
                await session.SaveChangesAsync(ct);
            }
            return await TrainAsync(started, [started], modelOptions, dataset, onStep, null, ct);
        }
        CheckResumable(history, request);
        return await TrainAsync((PolicyTrainingStarted)history[0], history, modelOptions, null, onStep, null, ct);
    }

    /// <summary>
    /// Refuses a request whose output directory already holds a failed job, or a job of another run, base model or
    /// hyper-parameters: the same job id would otherwise silently continue with the settings it was started with.
    /// Nothing happens for an empty history (a new job).
    /// </summary>
    /// <exception cref="InputException">Naming <c>--out</c>.</exception>
    public static void CheckResumable(IReadOnlyList<object> history, SftRequest request)
    {
        if (history.Count == 0) return;
        var output = Path.GetFullPath(request.OutputDirectory);
        var jobId = JobId(request.RunId, output);
        if (history.OfType<PolicyTrainingFailed>().FirstOrDefault() is { } failed)
            throw new InputException("--out", null, $"SFT job {jobId} failed: {failed.Reason}");
        var recorded = (PolicyTrainingStarted)history[0];
        if (recorded.RunId != request.RunId || recorded.BaseModel != request.BaseModel || recorded.HyperParameters != request.HyperParameters)
            throw new InputException("--out", null,
                $"{output} already holds SFT job {jobId} (run {recorded.RunId}, base {recorded.BaseModel}) with other settings; use another --out");
    }

    /// <summary>The background-job side: runs or resumes a job whose stream a <see cref="FineTunePolicyConsumer"/> started.</summary>
    public async Task RunAsync(Guid jobId, CancellationToken ct)
    {
        IReadOnlyList<IEvent> history;
        await using (var query = store.QuerySession())
            history = await query.Events.FetchStreamAsync(jobId, token: ct);
        if (history.Count == 0) return;
        var createdAt = history[0].Timestamp;
        if (history[0].Data is not PolicyTrainingStarted started || history.Any(e => e.Data is PolicyTrainingFailed or PolicyCheckpointed { Final: true }))
        {
            await using var heal = store.LightweightSession(); // finished before its record said so (or not an SFT stream)
            BackgroundJobs.MarkFinished(heal, jobId, Kind, createdAt);
            await heal.SaveChangesAsync(ct);
            return;
        }
        try
        {
            await TrainAsync(started, history.Select(e => e.Data).ToList(), _modelOptions, null, (m, total) => progress?.Report(jobId, m, total),
                createdAt, ct);
        }
        catch (InputException e)
        {
            await using var session = store.LightweightSession();
            long version;
            await using (var query = store.QuerySession())
                version = (await query.Events.FetchStreamStateAsync(jobId, ct))?.Version ?? 0;
            session.Events.Append(jobId, version + 1, new PolicyTrainingFailed(jobId, e.Message, clock.GetUtcNow()));
            BackgroundJobs.MarkFinished(session, jobId, Kind, createdAt);
            await session.SaveChangesAsync(ct);
        }
    }

    /// <summary>
    /// Trains from the stream's state: from the base model, or from its last checkpoint (weights, optimizer state and step).
    /// <paramref name="dataset"/>: the examples just hashed into <paramref name="started"/> (null: loaded again and checked).
    /// <paramref name="jobCreatedAt"/>: set for a background job, whose record is marked finished with the final checkpoint.
    /// </summary>
    private async Task<PolicyCheckpointed> TrainAsync(PolicyTrainingStarted started, IReadOnlyList<object> history, ModelOptions modelOptions,
        SlDataset? dataset, Action<TrainingStepMetrics, int>? onStep, DateTimeOffset? jobCreatedAt, CancellationToken ct)
    {
        var jobId = started.JobId;
        var hp = started.HyperParameters;
        var last = history.OfType<PolicyCheckpointed>().LastOrDefault();
        if (last is { Final: true }) return last;
        if (dataset is null)
        {
            await using var query = store.QuerySession();
            dataset = await SlDataset.LoadAsync(query, started.RunId, started.DatasetSnapshotPosition, ct);
            if (dataset.Hash != started.DatasetHash)
                throw new InvalidOperationException(
                    $"job {jobId}: the dataset as of sequence {started.DatasetSnapshotPosition} no longer hashes to {started.DatasetHash}");
        }

        using var policy = last is null ? LoadPolicy(started.BaseModel, modelOptions) : LoadCheckpoint(last, modelOptions);
        if (hp.Lora is { } lora && policy.Adapters is null)
        {
            policy.AttachAdapters(LoraTraining.Config(lora, policy.Network), hp.Seed);
            LoraTraining.EnsureBaseCopy(policy, started.BaseModel, started.OutputDirectory);
        }
        var sequences = dataset.Examples
            .Select(e => Sequence(policy.Tokenizer, e, Math.Min(hp.MaxSequenceLength, policy.Network.ContextLength), policy.ChatTemplate)).ToList();
        var options = new TrainingOptions(hp.Epochs, hp.BatchSize, hp.LearningRate, hp.WarmupSteps, hp.MinLearningRateRatio,
            hp.WeightDecay, hp.MaxGradNorm, hp.Seed, TrainingPrecisions.Parse(hp.Precision), hp.GradientAccumulation ?? 1,
            hp.ActivationCheckpointing ?? false);
        using var trainer = new CausalLmTrainer(policy.Network, sequences, options, policy.Tokenizer.EndOfTextId);
        if (last is not null) trainer.Resume(Path.Combine(last.Path, OptimizerStateFileName), last.Step);
        // Stream version so far: the started event (written just now, or earlier) plus the checkpoints already recorded.
        var version = Math.Max(1, history.Count);

        var window = new List<TrainingStepMetrics>();
        var clockSinceCheckpoint = Stopwatch.StartNew();
        PolicyCheckpointed? checkpoint = null;
        while (!trainer.Done)
        {
            ct.ThrowIfCancellationRequested();
            var metrics = trainer.TrainStep();
            window.Add(metrics);
            onStep?.Invoke(metrics, trainer.TotalSteps);
            if (trainer.Step % hp.CheckpointEvery != 0 && !trainer.Done) continue;

            var path = Path.Combine(started.OutputDirectory, "checkpoints", $"step-{trainer.Step:000000}");
            SaveAtomically(policy, trainer, path, started);
            checkpoint = new PolicyCheckpointed(jobId, trainer.Step, trainer.TotalSteps, path,
                LoraTraining.CheckpointSha256(policy, started.BaseCheckpointHash),
                started.DatasetSnapshotPosition, hp, new Dictionary<string, double>
                {
                    ["loss"] = window.Average(m => m.Loss),
                    ["learning_rate"] = metrics.LearningRate,
                    ["grad_norm"] = window.Average(m => m.GradNorm),
                    ["target_tokens"] = window.Sum(m => m.TargetTokens),
                    ["tokens_per_s"] = window.Sum(m => m.InputTokens) / clockSinceCheckpoint.Elapsed.TotalSeconds,
                }, trainer.Done, clock.GetUtcNow());
            await using (var session = store.LightweightSession())
            {
                // Expected version: a second process training the same job cannot interleave its checkpoints.
                session.Events.Append(jobId, version + 1, checkpoint);
                if (checkpoint.Final && jobCreatedAt is { } createdAt) BackgroundJobs.MarkFinished(session, jobId, Kind, createdAt);
                await session.SaveChangesAsync(ct);
            }
            version++;
            window.Clear();
            clockSinceCheckpoint.Restart();
        }
        return checkpoint ?? last!;
    }

    private static LocalTextModel LoadPolicy(string modelId, ModelOptions options) =>
        ModelCatalog.Load(modelId, options) as LocalTextModel
        ?? throw new InputException("--base", null,
            $"{modelId} is not a local TorchSharp model (builtin:tiny, builtin:demo or hf:DIR) and cannot be fine-tuned here");

    private static LocalTextModel LoadCheckpoint(PolicyCheckpointed checkpoint, ModelOptions options) => PolicyCheckpointFiles.Load(checkpoint, options);

    /// <summary>
    /// Weights, tokenizer and optimizer state into a staging folder, then one rename: a kill leaves no half checkpoint. A LoRA job's
    /// checkpoint is a PEFT adapter directory naming its base (<see cref="LoraTraining.BaseReference"/>), so <c>hf:</c> of it loads both.
    /// </summary>
    private static void SaveAtomically(LocalTextModel policy, CausalLmTrainer trainer, string path, PolicyTrainingStarted started)
    {
        var staging = path + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        if (policy.Adapters is { } adapters)
            PeftAdapter.Save(adapters, staging, LoraTraining.BaseReference(policy, started.BaseModel, started.OutputDirectory, path));
        else
            policy.Architecture.Save(policy.Network, policy.Tokenizer, staging);
        trainer.SaveOptimizerState(Path.Combine(staging, OptimizerStateFileName));
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.Move(staging, path);
    }
}
