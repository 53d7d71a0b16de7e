using System.Diagnostics;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Models;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Training;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Marten;
using Microsoft.Extensions.Logging;

namespace CaiEvents.Workers.PMTrainer;

/// <summary>
/// Trains a preference model for a job stream started by <see cref="TrainPreferenceModelConsumer"/>: optional PMP epochs on
/// the Q&amp;A file, then epochs on the run's AI labels as of AsOf. After every epoch it writes a checkpoint directory
/// (weights + optimizer state, renamed into place) and appends <see cref="EpochCompleted"/> and
/// <see cref="PreferenceModelCheckpointed"/> together with the expected stream version, so an epoch is recorded once.
/// A restarted job loads the last checkpoint event's weights and optimizer state and continues with the next epoch;
/// batch order and learning rate are functions of the step, so it ends with the same weights as an uninterrupted run.
/// </summary>
public sealed class PreferenceModelJob(IDocumentStore store, WorkerIdentity worker, TimeProvider clock, ModelOptions modelOptions,
    PreferenceTrainingProgress progress, ILogger<PreferenceModelJob> log) : IBackgroundJobRunner
{
    public const string JobKind = "preference-model";
    public const string OptimizerStateFileName = "optimizer.bin";
    public const string PmpPhase = "pmp";
    public const string PreferencePhase = "preference";

    public string Kind => JobKind;

    public async Task RunAsync(Guid jobId, CancellationToken ct)
    {
        IReadOnlyList<JasperFx.Events.IEvent> history;
        await using (var query = store.QuerySession())
            history = await query.Events.FetchStreamAsync(jobId, token: ct);
        if (history.Count == 0) return;
        var createdAt = history[0].Timestamp;
        if (history[0].Data is not PreferenceModelTrainingStarted started
            || history.Any(e => e.Data is PreferenceModelTrainingFailed or PreferenceModelCheckpointed { Final: true }))
        {
            await using var heal = store.LightweightSession(); // finished before its record said so (or not a training stream)
            BackgroundJobs.MarkFinished(heal, jobId, JobKind, createdAt);
            await heal.SaveChangesAsync(ct);
            return;
        }
        try
        {
            await TrainAsync(started, history, createdAt, ct);
        }
        catch (InputException e)
        {
            await using var session = store.LightweightSession();
            session.Events.Append(jobId, await CountAsync(jobId, ct) + 1, new PreferenceModelTrainingFailed(jobId, e.Message, clock.GetUtcNow()));
            BackgroundJobs.MarkFinished(session, jobId, JobKind, createdAt);
            await session.SaveChangesAsync(ct);
            log.LogError("preference-model job {JobId} failed: {Reason}", jobId, e.Message);
        }
    }

    private async Task<long> CountAsync(Guid jobId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return (await query.Events.FetchStreamStateAsync(jobId, ct))?.Version ?? 0;
    }

    private async Task TrainAsync(PreferenceModelTrainingStarted started, IReadOnlyList<JasperFx.Events.IEvent> history, DateTimeOffset createdAt,
        CancellationToken ct)
    {
        var jobId = started.JobId;
        var hp = started.HyperParameters;
        PreferenceTrainingSet dataset;
        await using (var query = store.QuerySession())
            dataset = await PreferenceTrainingSet.LoadAsync(query, started.RunId, started.AsOf, hp.HumanRunId, hp.HumanFraction, started.Seed, ct);
        if (dataset.Hash != started.DatasetHash)
            throw new InvalidOperationException($"job {jobId}: the labels as of sequence {started.AsOf} no longer hash to {started.DatasetHash}");
        var (train, heldOut) = dataset.Split(started.Seed, hp.HeldOutFraction);
        IReadOnlyList<PmpPair> pmp = [];
        if (hp.PmpFile is { } pmpFile)
        {
            if (!File.Exists(pmpFile)) throw new InputException(pmpFile, null, "PMP file not found on this worker");
            if (PmpData.FileSha256(pmpFile) != started.PmpSha256)
                throw new InputException(pmpFile, null, $"PMP file changed since the job started (sha256 was {started.PmpSha256})");
            pmp = PmpData.SamplePairs(PmpData.LoadFile(pmpFile), hp.PmpPairsPerQuestion, started.Seed);
        }

        var last = history.Select(e => e.Data).OfType<PreferenceModelCheckpointed>().LastOrDefault();
        var version = (long)history.Count;
        // The process's device and dtype; the job's seed initialises the new reward head.
        var jobModelOptions = modelOptions with { Seed = started.Seed };
        var model = await TorchThread.RunAsync(() =>
        {
            if (last is null) return FreshModel(hp, jobModelOptions, started.Seed, started.OutputDirectory);
            var loaded = RewardModel.Load(last.Path, jobModelOptions);
            if (loaded.ComputeSha256() != last.Sha256)
            {
                loaded.Dispose();
                throw new InvalidOperationException($"checkpoint {last.Path} does not match its event (sha256 {last.Sha256})");
            }
            return loaded;
        }, ct);
        try
        {
            var trainPairs = train.Select(i => ToPair(model, i.Prompt, i.ResponseA, i.ResponseB, i.ProbabilityA)).ToList();
            var heldOutPairs = heldOut.Select(i => ToPair(model, i.Prompt, i.ResponseA, i.ResponseB, i.ProbabilityA)).ToList();
            var pmpPairs = pmp.Select(p => ToPair(model, p.Question, p.Better, p.Worse, 1.0)).ToList();
            var firstEpoch = last?.Epoch ?? 0; // epochs done
            PreferenceTrainer? trainer = null;
            string? trainerPhase = null;
            try
            {
                for (var epoch = firstEpoch + 1; epoch <= started.TotalEpochs; epoch++)
                {
                    ct.ThrowIfCancellationRequested();
                    var phase = epoch <= hp.PmpEpochs ? PmpPhase : PreferencePhase;
                    var phaseStart = phase == PmpPhase ? 0 : hp.PmpEpochs; // epochs before this phase
                    if (trainerPhase != phase)
                    {
                        trainer?.Dispose();
                        var data = phase == PmpPhase ? pmpPairs : trainPairs;
                        var epochs = phase == PmpPhase ? hp.PmpEpochs : started.TotalEpochs - hp.PmpEpochs;
                        trainer = await TorchThread.RunAsync(() => new PreferenceTrainer(model, data, new TrainingOptions(epochs, hp.BatchSize,
                            hp.LearningRate, hp.WarmupSteps, hp.MinLearningRateRatio, hp.WeightDecay, hp.MaxGradNorm, started.Seed,
                            TrainingPrecisions.Parse(hp.Precision), hp.GradientAccumulation ?? 1, hp.ActivationCheckpointing ?? false)), ct);
                        trainerPhase = phase;
                        // Resuming inside a phase: that phase's optimizer state and step; a phase that starts now starts fresh.
                        if (last is not null && epoch - 1 > phaseStart && last.Phase == phase)
                        {
                            var t = trainer;
                            await TorchThread.RunAsync(() => { t.Resume(Path.Combine(last.Path, OptimizerStateFileName),
                                (epoch - 1 - phaseStart) * t.StepsPerEpoch); return true; }, ct);
                        }
                    }
                    var current = trainer!;
                    var clockEpoch = Stopwatch.StartNew();
                    var metrics = new List<PreferenceStepMetrics>();
                    for (var s = 0; s < current.StepsPerEpoch; s++)
                    {
                        var m = await TorchThread.RunAsync(current.TrainStep, ct);
                        metrics.Add(m);
                        progress.Report(jobId, epoch, current.StepsPerEpoch, m);
                    }
                    var seconds = clockEpoch.Elapsed.TotalSeconds;
                    var predicted = await TorchThread.RunAsync(() => current.PredictProbabilityA(heldOutPairs), ct);
                    var targets = heldOut.Select(i => i.ProbabilityA).ToList();
                    var accuracy = PreferenceMetrics.Accuracy(predicted, targets);
                    var reliability = PreferenceMetrics.ReliabilityBins(predicted, targets);
                    var ece = PreferenceMetrics.ExpectedCalibrationError(reliability);
                    // With human comparisons mixed in, each source's held-out numbers apart (left out otherwise, so events stay as they were).
                    HeldOutMetrics? aiHeldOut = null, humanHeldOut = null;
                    if (dataset.HasHumanPairs)
                    {
                        HeldOutMetrics Of(bool human)
                        {
                            var (n, a, e) = PreferenceMetrics.ForGroup(predicted, targets, heldOut.Select(i => i.IsHuman == human).ToList());
                            return new HeldOutMetrics(n, Finite(a), Finite(e));
                        }
                        (aiHeldOut, humanHeldOut) = (Of(false), Of(true));
                    }
                    var perPrinciple = heldOut.SelectMany((item, index) => item.Principles.Select(p => (Principle: p, index)))
                        .GroupBy(x => x.Principle, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                        .ToDictionary(g => g.Key, g => Finite(PreferenceMetrics.Accuracy(g.Select(x => predicted[x.index]).ToList(),
                            g.Select(x => targets[x.index]).ToList())));

                    var path = Path.Combine(started.OutputDirectory, $"epoch-{epoch:000}");
                    var sha = await TorchThread.RunAsync(() => SaveAtomically(model, current, path), ct);
                    // A LoRA checkpoint records the base it names and its adapter file apart (sha combines the two).
                    var adapterSha = model.Adapters is null ? null : await TorchThread.RunAsync(model.AdapterSha256, ct);
                    var baseSha = model.AdapterBase?.CheckpointHash;
                    var final = epoch == started.TotalEpochs;
                    var now = clock.GetUtcNow();
                    await using (var session = store.LightweightSession())
                    {
                        // Expected version: a second process cannot record the same epoch, and both events land together.
                        session.Events.Append(jobId, version + 2,
                            new EpochCompleted(jobId, epoch, started.TotalEpochs, phase, metrics.Average(m => m.Loss),
                                Finite(metrics.Where(m => !double.IsNaN(m.Accuracy)).Select(m => m.Accuracy).DefaultIfEmpty(double.NaN).Average()),
                                Finite(accuracy), Finite(ece), metrics.Count, metrics.Sum(m => m.Pairs) / seconds, worker.Instance, now,
                                aiHeldOut, humanHeldOut, reliability),
                            new PreferenceModelCheckpointed(jobId, epoch, started.TotalEpochs, phase, path, sha, Finite(accuracy), Finite(ece), perPrinciple,
                                final, now, aiHeldOut, humanHeldOut, reliability, baseSha, adapterSha));
                        if (final) BackgroundJobs.MarkFinished(session, jobId, JobKind, createdAt);
                        await session.SaveChangesAsync(ct);
                    }
                    version += 2;
                    log.LogInformation(
                        "preference-model job {JobId}: epoch {Epoch}/{Total} ({Phase}) loss {Loss:0.0000} held-out accuracy {Accuracy:0.000} ECE {Ece:0.000}",
                        jobId, epoch, started.TotalEpochs, phase, metrics.Average(m => m.Loss), accuracy, ece);
                }
            }
            finally
            {
                if (trainer is not null) await TorchThread.RunAsync(() => { trainer.Dispose(); return true; }, CancellationToken.None);
            }
        }
        finally
        {
            await TorchThread.RunAsync(() => { model.Dispose(); return true; }, CancellationToken.None);
        }
    }

    /// <summary>
    /// The model a job starts from: the base with a fresh head; with LoRA, adapters on its backbone (base frozen, saved against the base's
    /// directory: hf:DIR itself, builtin:demo's, or for builtin:tiny a copy written once into <c>OUT/base</c>).
    /// </summary>
    private static RewardModel FreshModel(PreferenceModelHyperParameters hp, ModelOptions options, long seed, string outputDirectory)
    {
        var model = RewardModel.FromModelId(hp.BaseModel, options, seed);
        if (hp.Lora is not { } lora) return model;
        try
        {
            LoraTraining.Check(lora, model.Backbone);
            model.AttachAdapters(LoraTraining.Config(lora, model.Backbone), seed, BaseDirectory(model, hp.BaseModel, outputDirectory));
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The directory holding <paramref name="baseModel"/>'s weights, writing builtin:tiny's once into <c>OUT/base</c> (atomically).</summary>
    private static string BaseDirectory(RewardModel model, string baseModel, string outputDirectory)
    {
        if (ModelIds.IsHf(baseModel)) return Path.GetFullPath(ModelIds.LocalDirectory(baseModel));
        if (baseModel == Models.Demo.DemoModel.ModelId) return Models.Demo.DemoModel.Directory;
        var directory = Path.Combine(outputDirectory, LoraTraining.BaseDirectoryName);
        if (LocalCheckpoint.Exists(directory)) return directory;
        var staging = directory + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        model.Architecture.Save(model.Backbone, model.Tokenizer, staging); // the backbone alone: no head, no adapters
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.Move(staging, directory);
        return directory;
    }

    /// <summary>NaN (no decided pair) is stored as −1: JSON has no NaN.</summary>
    private static double Finite(double value) => double.IsFinite(value) ? value : -1;

    private static PreferencePair ToPair(RewardModel model, string prompt, string a, string b, double p) =>
        new(model.Encode(prompt, a), model.Encode(prompt, b), p);

    /// <summary>Weights, tokenizer and optimizer state into a staging folder, then one rename: a kill leaves no half checkpoint.</summary>
    private static string SaveAtomically(RewardModel model, PreferenceTrainer trainer, string path)
    {
        var staging = path + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        model.Save(staging);
        trainer.SaveOptimizerState(Path.Combine(staging, OptimizerStateFileName));
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.Move(staging, path);
        return RewardModel.FileSha256(path);
    }
}
