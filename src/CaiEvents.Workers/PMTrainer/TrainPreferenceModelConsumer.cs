using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PMTrainer;

/// <summary>
/// Acknowledges a <see cref="TrainPreferenceModel"/> at once: it snapshots the dataset (labels as of AsOf, its hash and
/// split, and with human comparisons mixed in every pair's source)
/// into <see cref="PreferenceModelTrainingStarted"/>, starts the job stream (a no-op when it exists: redeliveries
/// write nothing) and wakes the job service, which trains outside <c>Consume</c>. A request that cannot run becomes
/// <see cref="PreferenceModelTrainingFailed"/>, the stream's only event.
/// </summary>
public sealed class TrainPreferenceModelConsumer(IDocumentStore store, WorkerIdentity worker, TimeProvider clock, JobSignal signal,
    IOptions<PMTrainerOptions> options) : IConsumer<TrainPreferenceModel>
{
    public async Task Consume(ConsumeContext<TrainPreferenceModel> context)
    {
        var command = context.Message;
        await BackgroundJobs.StartFromCommandAsync(store, signal, command.JobId, PreferenceModelJob.JobKind,
            async (now, ct) => await StartedAsync(command, now, ct),
            (error, now) => new PreferenceModelTrainingFailed(command.JobId, error, now), clock, context.CancellationToken);
    }

    private async Task<PreferenceModelTrainingStarted> StartedAsync(TrainPreferenceModel command, DateTimeOffset now, CancellationToken ct)
    {
        var hp = PreferenceModelRequest.Parse(command.HyperParameters);
        PreferenceTrainingSet dataset;
        await using (var query = store.QuerySession())
            dataset = await PreferenceTrainingSet.LoadAsync(query, command.RunId, command.AsOf, hp.HumanRunId, hp.HumanFraction, command.Seed, ct);
        if (!dataset.Items.Any(i => !i.IsHuman))
            throw new ArgumentException($"run {command.RunId} has no AI-labelled comparisons as of sequence {command.AsOf}");
        if (hp.HumanRunId is { } humanRun && !dataset.HasHumanPairs)
            throw new ArgumentException($"run {humanRun} has no imported human comparisons as of sequence {command.AsOf} (see cai import preferences)");
        var (train, heldOut) = dataset.Split(command.Seed, hp.HeldOutFraction);
        if (train.Count == 0)
            throw new ArgumentException($"run {command.RunId}: no training pairs left after holding out {hp.HeldOutFraction:P0} of the prompts");
        string? pmpSha = null;
        if (hp.PmpFile is { } pmpFile)
        {
            if (PmpData.SamplePairs(PmpData.LoadFile(pmpFile), hp.PmpPairsPerQuestion, command.Seed).Count == 0)
                throw new InputException(pmpFile, null, "no answers with different scores to compare");
            pmpSha = PmpData.FileSha256(pmpFile);
        }
        return new PreferenceModelTrainingStarted(command.JobId, command.RunId, command.AsOf, command.Seed, hp, dataset.Hash, dataset.Items.Count,
            train.Count, heldOut.Count, pmpSha, hp.PmpEpochs + hp.Epochs, Path.Combine(options.Value.ResolvedOutputRoot, command.JobId.ToString()),
            worker.Instance, now, dataset.HasHumanPairs ? dataset.Sources(command.Seed, hp.HeldOutFraction) : null);
    }
}
