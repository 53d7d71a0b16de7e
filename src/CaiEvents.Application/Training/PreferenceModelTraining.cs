using CaiEvents.Application.Demo;
using CaiEvents.Application.Hosts;
using CaiEvents.Application.Jobs;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.PMTrainer;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Application.Training;

/// <summary><c>cai pm train</c> (also the preference-model stage of <c>cai demo</c>): a PMTrainer job to its final checkpoint.</summary>
public static class PreferenceModelTraining
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Sends <see cref="TrainPreferenceModel"/>, hosts the PMTrainer role when <paramref name="local"/>, and follows the job to its
    /// final checkpoint.
    /// </summary>
    /// <param name="asOf">Event-store sequence the dataset is taken at; null = the store's last sequence now.</param>
    public static async Task<(Guid JobId, long AsOf, PreferenceModelCheckpointed Final)> TrainAsync(Guid runId, long? asOf, long seed,
        Dictionary<string, string> hp, TransportKind kind, bool local, TimeSpan timeout, IConfiguration configuration,
        IPreferenceModelTrainingObserver observer, CancellationToken ct)
    {
        try
        {
            PreferenceModelRequest.Parse(hp);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (local) DemoModelSetup.EnsureFor(hp["base_model"], observer.DemoModel, ct);

        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        long sequence;
        await using (var query = store.QuerySession())
        {
            if (await EventStore.RunQueries.LoadRunAsync(query, runId, ct) is null) throw new UsageException($"--run: run {runId} does not exist");
            if (hp.TryGetValue("human_run", out var human) && Guid.TryParse(human, out var humanRun)
                && await EventStore.RunQueries.LoadRunAsync(query, humanRun, ct) is null)
                throw new UsageException($"--human: run {humanRun} does not exist");
            sequence = asOf ?? await Marten.QueryableExtensions.FirstOrDefaultAsync(
                query.Events.QueryAllRawEvents().OrderByDescending(e => e.Sequence).Select(e => e.Sequence), ct);
        }
        var jobId = PreferenceModelRequest.JobId(runId, sequence, seed, hp);
        using var host = await RoleHost.StartAsync(local ? [WorkerRoles.PmTrainer] : [], kind, configuration, null, ct);
        if (local)
        {
            host.Services.GetRequiredService<PreferenceTrainingProgress>().Step += (job, epoch, steps, m) =>
            {
                if (job == jobId) observer.Step(epoch, steps, m);
            };
        }
        observer.Started(jobId, runId, sequence, seed, hp["base_model"]);
        var train = new TrainPreferenceModel(jobId, runId, sequence, seed, hp);
        await host.Services.GetRequiredService<ISendEndpointProvider>().SendCommandAsync(train, ct);

        var final = await StreamFollower.FollowJobAsync(store, jobId,
            e => e is PreferenceModelTrainingFailed failed ? new Domain.InputException("pm train", null, failed.Reason) : null,
            e => e is PreferenceModelCheckpointed { Final: true } c ? c : null,
            e =>
            {
                if (e is EpochCompleted epoch) observer.EpochCompleted(epoch, local);
            },
            new FollowTiming(PollInterval, timeout, WaitBeforeFirstPoll: true),
            () => $"pm: job {jobId} did not finish within {timeout.TotalSeconds} s (it continues; run the same command again to wait)", ct);
        await host.StopAsync(CancellationToken.None);
        return (jobId, sequence, final);
    }
}
