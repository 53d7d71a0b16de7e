using System.Diagnostics;
using System.Security.Cryptography;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Models;
using CaiEvents.Models.Training;
using CaiEvents.Workers.Common;
using Marten;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>What <c>cai sft</c> asks for.</summary>
public sealed record SftRequest(Guid RunId, string BaseModel, string OutputDirectory, long? AsOf, SftHyperParameters HyperParameters);

/// <summary>
/// SL-CAI fine-tuning as an event-sourced job (policy training belongs to the PPOLearner role; PPO follows).
/// The job stream records what it trained on (the run's SL examples as of an event sequence, with their hash),
/// its hyper-parameters and every checkpoint (HF GPT-2 directory + sha256 + optimizer state). The job id is a
/// function of the run and the output directory, so running the same command again after a kill resumes
/// from the last checkpoint event and ends with the same weights as an uninterrupted run.
/// </summary>
public sealed class SftJob(IDocumentStore store, WorkerIdentity worker, TimeProvider clock)
{
    public const string Kind = "sft";
    public const string OptimizerStateFileName = "optimizer.bin";

    public static Guid JobId(Guid runId, string outputDirectory) =>
        DeterministicIds.Create(runId, $"sft:{Path.GetFullPath(outputDirectory).TrimEnd('/')}");

    /// <summary>The supervised pair of one example: the prompt as the policy sees it, and the completion it should write.</summary>
    public static TrainingSequence Sequence(Gpt2Tokenizer tokenizer, SlExample example, int maxLength) =>
        TrainingSequence.PromptCompletion(
            tokenizer.Encode(PromptFormat.RenderResponsePrompt(example.Prompt)),
            [.. tokenizer.Encode(" " + example.Completion), tokenizer.EndOfTextId]).Truncate(maxLength);

    public async Task<PolicyCheckpointed> RunAsync(SftRequest request, ModelOptions modelOptions,
        Action<TrainingStepMetrics, int>? onStep, CancellationToken ct)
    {
        var hp = request.HyperParameters;
        var output = Path.GetFullPath(request.OutputDirectory);
        var jobId = JobId(request.RunId, output);
        IReadOnlyList<object> history;
        await using (var query = store.QuerySession())
            history = (await query.Events.FetchStreamAsync(jobId, token: ct)).Select(e => e.Data).ToList();

        PolicyTrainingStarted started;
        SlDataset dataset;
        var last = history.OfType<PolicyCheckpointed>().LastOrDefault();
        if (history.Count == 0)
        {
            await using var query = store.QuerySession();
            dataset = await SlDataset.LoadAsync(query, request.RunId, request.AsOf, ct);
            if (dataset.Examples.Count == 0)
                throw new InputException("--run", null, $"run {request.RunId} has no finalised SL examples{(request.AsOf is { } a ? $" as of sequence {a}" : "")}");
            using var probe = LoadPolicy(request.BaseModel, modelOptions);
            var steps = hp.Epochs * ((dataset.Examples.Count + hp.BatchSize - 1) / hp.BatchSize);
            started = new PolicyTrainingStarted(jobId, Kind, request.RunId, request.BaseModel, probe.Identity.CheckpointHash,
                dataset.SnapshotPosition, dataset.Hash, dataset.Examples.Count, steps, hp, output, worker.Instance, clock.GetUtcNow());
            await using var session = store.LightweightSession();
            session.Events.StartStream(jobId, started);
            await session.SaveChangesAsync(ct);
        }
        else
        {
            started = (PolicyTrainingStarted)history[0];
            if (started.RunId != request.RunId || started.BaseModel != request.BaseModel || started.HyperParameters != hp)
                throw new InputException("--out", null, $"{output} already holds SFT job {jobId} (run {started.RunId}, base {started.BaseModel}) with other settings; use another --out");
            if (last is { Final: true }) return last;
            await using var query = store.QuerySession();
            dataset = await SlDataset.LoadAsync(query, started.RunId, started.DatasetSnapshotPosition, ct);
            if (dataset.Hash != started.DatasetHash)
                throw new InvalidOperationException($"job {jobId}: the dataset as of sequence {started.DatasetSnapshotPosition} no longer hashes to {started.DatasetHash}");
        }

        using var policy = last is null ? LoadPolicy(request.BaseModel, modelOptions) : LoadCheckpoint(last, modelOptions);
        var sequences = dataset.Examples.Select(e => Sequence(policy.Tokenizer, e, Math.Min(hp.MaxSequenceLength, policy.Config.NPositions))).ToList();
        var options = new CausalLmTrainingOptions(hp.Epochs, hp.BatchSize, hp.LearningRate, hp.WarmupSteps, hp.MinLearningRateRatio,
            hp.WeightDecay, hp.MaxGradNorm, hp.Seed);
        using var trainer = new CausalLmTrainer(policy.Module, sequences, options, policy.Tokenizer.EndOfTextId);
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

            var path = Path.Combine(output, "checkpoints", $"step-{trainer.Step:000000}");
            SaveAtomically(policy, trainer, path);
            checkpoint = new PolicyCheckpointed(jobId, trainer.Step, trainer.TotalSteps, path,
                Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(path, Gpt2Checkpoint.WeightsFileName)))),
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
                await session.SaveChangesAsync(ct);
            }
            version++;
            window.Clear();
            clockSinceCheckpoint.Restart();
        }
        return checkpoint ?? last!;
    }

    private static Gpt2TextModel LoadPolicy(string modelId, ModelOptions options) =>
        ModelCatalog.Load(modelId, options) as Gpt2TextModel
        ?? throw new InputException("--base", null, $"{modelId} is not a local GPT-2 model and cannot be fine-tuned here");

    private static Gpt2TextModel LoadCheckpoint(PolicyCheckpointed checkpoint, ModelOptions options) => PolicyCheckpointFiles.Load(checkpoint, options);

    /// <summary>Weights, tokenizer and optimizer state into a staging folder, then one rename: a kill leaves no half checkpoint.</summary>
    private static void SaveAtomically(Gpt2TextModel policy, CausalLmTrainer trainer, string path)
    {
        var staging = path + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Gpt2Checkpoint.Save(policy.Module, policy.Tokenizer, staging);
        trainer.SaveOptimizerState(Path.Combine(staging, OptimizerStateFileName));
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.Move(staging, path);
    }
}
