using CaiEvents.Application.Demo;
using CaiEvents.Application.Hosts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.PPOLearner;
using CaiEvents.Workers.SftTrainer;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Training;

/// <summary><c>cai sft</c> (also the SL-CAI stage of <c>cai demo</c>): fine-tune a policy on a run's SL examples, resumable after a kill.</summary>
public static class SlCaiFineTuning
{
    /// <summary>Validates, runs or resumes the job, returns its final checkpoint.</summary>
    /// <param name="baseModel">Model to fine-tune; null = the run's generator model.</param>
    public static async Task<PolicyCheckpointed> RunAsync(Guid runId, string outputDirectory, string? baseModel, long? asOf, SftHyperParameters hp,
        IConfiguration configuration, ISlCaiFineTuningObserver observer, CancellationToken ct)
    {
        if (hp.Epochs < 1 || hp.BatchSize < 1 || hp.CheckpointEvery < 1 || hp.MaxSequenceLength < 8 || hp.LearningRate <= 0 || hp.WarmupSteps < 0)
            throw new UsageException($"sft: epochs, batch size and checkpoint interval must be ≥ 1, max length ≥ 8, lr > 0, warmup ≥ 0 (got {hp})");
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        string model;
        await using (var session = store.QuerySession())
        {
            var state = await RunQueries.LoadRunAsync(session, runId, ct) ?? throw new UsageException($"run {runId} does not exist");
            model = baseModel ?? state.Configuration.GeneratorModel;
        }
        DemoModelSetup.EnsureFor(model, observer.DemoModel, ct);

        var job = new SftJob(store, WorkerIdentity.ForThisProcess(), TimeProvider.System);
        var request = new SftRequest(runId, model, outputDirectory, asOf, hp);
        observer.Started(SftJob.JobId(runId, request.OutputDirectory), model, runId);
        return await job.RunAsync(request, ModelConfiguration.Options(configuration), observer.Step, ct);
    }
}
