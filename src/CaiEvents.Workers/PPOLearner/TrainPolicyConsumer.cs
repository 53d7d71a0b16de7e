using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.EventStore;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>Step-level progress of PPO jobs running in this process (for a progress bar); the events are the durable record.</summary>
public sealed class PpoProgress
{
    public event Action<PolicyUpdateCompleted, int>? Step;

    internal void Report(PolicyUpdateCompleted update, int totalSteps) => Step?.Invoke(update, totalSteps);
}

/// <summary>
/// Acknowledges a <see cref="TrainPolicy"/> at once: it checks the request and hashes policy, reference, preference model and
/// prompt set into <see cref="PpoStarted"/>, starts the job stream (a no-op when it exists: redeliveries write nothing) and
/// wakes the job service, which runs PPO outside <c>Consume</c>. A request that cannot run becomes <see cref="PpoFailed"/>,
/// the stream's only event.
/// </summary>
public sealed class TrainPolicyConsumer(IDocumentStore store, PpoJob job, TimeProvider clock, JobSignal signal, IOptions<PPOLearnerOptions> options)
    : IConsumer<TrainPolicy>
{
    public async Task Consume(ConsumeContext<TrainPolicy> context)
    {
        var command = context.Message;
        await BackgroundJobs.StartFromCommandAsync(store, signal, command.JobId, PpoJob.JobKind,
            async (_, ct) => await job.StartedAsync(command.JobId, await RequestAsync(command, ct), PpoCommandRequest.RolloutMode(command.Rollouts),
                new ModelOptions(Device: options.Value.Device), ct),
            (error, now) => new PpoFailed(command.JobId, error, now), clock, context.CancellationToken);
    }

    private async Task<PpoRequest> RequestAsync(TrainPolicy command, CancellationToken ct)
    {
        var hp = PpoCommandRequest.Parse(command.Steps, command.Seed, command.HyperParameters);
        var policy = command.PolicyModel is { Length: > 0 } p ? p : $"sft:{command.RunId}";
        if (policy.StartsWith("sft:", StringComparison.Ordinal))
        {
            if (!Guid.TryParse(policy["sft:".Length..], out var sftRun)) throw new ArgumentException($"policy '{policy}': sft: needs a run id");
            await using var session = store.QuerySession();
            var checkpoint = await PolicyCheckpoints.LatestFinalAsync(session, sftRun, ct)
                ?? throw new ArgumentException($"policy '{policy}': run {sftRun} has no finished SL-CAI fine-tuning job");
            policy = ModelCatalog.HfScheme + checkpoint.Path;
        }
        var pm = command.PreferenceModelCheckpoint.StartsWith(ModelCatalog.HfScheme, StringComparison.Ordinal)
            ? command.PreferenceModelCheckpoint[ModelCatalog.HfScheme.Length..] : command.PreferenceModelCheckpoint;
        var output = command.OutputDirectory is { Length: > 0 } o ? o : Path.Combine(options.Value.ResolvedOutputRoot, command.JobId.ToString());
        return new PpoRequest(command.RunId, policy, pm, output, hp);
    }
}

public sealed class TrainPolicyConsumerDefinition(IOptions<PPOLearnerOptions> options)
    : StepConsumerDefinition<TrainPolicyConsumer, PPOLearnerOptions>(options, CommandQueues.TrainPolicy);

public static class PPOLearnerRole
{
    public static void AddPPOLearner(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<TrainPolicyConsumer, TrainPolicyConsumerDefinition>();

    /// <summary>The job side of the role: the PPO runner (with rollouts in-process, or from Generator workers) and the background service.</summary>
    public static IServiceCollection AddPPOLearnerJobs(this IServiceCollection services)
    {
        services.AddSingleton<PpoProgress>();
        services.AddSingleton<IRolloutGenerator, WorkerRollouts>();
        services.AddSingleton(sp => new PpoJob(sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<WorkerIdentity>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<IRolloutGenerator>(),
            new ModelOptions(Device: sp.GetRequiredService<IOptions<PPOLearnerOptions>>().Value.Device), sp.GetRequiredService<PpoProgress>()));
        services.AddSingleton<IBackgroundJobRunner>(sp => sp.GetRequiredService<PpoJob>());
        return services.AddBackgroundJobs();
    }
}
