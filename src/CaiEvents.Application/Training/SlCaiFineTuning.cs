using CaiEvents.Application.Demo;
using CaiEvents.Application.Hosts;
using CaiEvents.Application.Jobs;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.SftTrainer;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Application.Training;

/// <summary>
/// <c>cai sft</c> (also the SL-CAI stage of <c>cai demo</c>): an SftTrainer job, hosted in this process, fine-tunes a policy on a
/// run's SL examples; the same output directory names the same job, so running it again after a kill resumes it.
/// </summary>
public static class SlCaiFineTuning
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Checks every input (nothing is written for bad input), sends <see cref="FineTunePolicy"/> to the SftTrainer role hosted here,
    /// and follows the job to its final checkpoint.
    /// </summary>
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

        var output = Path.GetFullPath(outputDirectory);
        var request = new SftRequest(runId, model, output, asOf, hp);
        var jobId = SftJob.JobId(runId, output);
        using var host = await RoleHost.StartAsync([WorkerRoles.SftTrainer], TransportKind.InMemory, configuration, null, ct);
        IReadOnlyList<object> history;
        await using (var query = store.QuerySession())
            history = (await query.Events.FetchStreamAsync(jobId, token: ct)).Select(e => e.Data).ToList();
        // Bad input is refused here, before the command is sent: the consumer would record it as the job's failure event.
        SftJob.CheckResumable(history, request);
        if (history.Count == 0)
            await host.Services.GetRequiredService<SftJob>().StartedAsync(jobId, request, host.Services.GetRequiredService<ModelOptions>(), ct);

        host.Services.GetRequiredService<SftProgress>().Step += (job, metrics, total) =>
        {
            if (job == jobId) observer.Step(metrics, total);
        };
        observer.Started(jobId, model, runId);
        var command = new FineTunePolicy(jobId, runId, model, output, asOf, hp);
        await host.Services.GetRequiredService<ISendEndpointProvider>().SendCommandAsync(command, ct);

        var final = await StreamFollower.FollowJobAsync(store, jobId,
            e => e is PolicyTrainingFailed failed ? new UsageException($"--out: SFT job {jobId} failed: {failed.Reason}") : null,
            e => e is PolicyCheckpointed { Final: true } c ? c : null,
            _ => { },
            new FollowTiming(PollInterval, Timeout.InfiniteTimeSpan, WaitBeforeFirstPoll: true),
            () => $"sft: job {jobId} did not finish", ct);
        await host.StopAsync(CancellationToken.None);
        return final;
    }
}
