using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore.Policies;
using CaiEvents.Models;
using CaiEvents.Workers.Common.Jobs;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>
/// Acknowledges a <see cref="TrainPolicy"/> at once: it checks the request and hashes policy, reference, preference model and
/// prompt set into <see cref="PpoStarted"/>, starts the job stream (a no-op when it exists: redeliveries write nothing) and
/// wakes the job service, which runs PPO outside <c>Consume</c>. A request that cannot run becomes <see cref="PpoFailed"/>,
/// the stream's only event.
/// </summary>
public sealed class TrainPolicyConsumer(IDocumentStore store, PpoJob job, TimeProvider clock, JobSignal signal, IOptions<PPOLearnerOptions> options,
    ModelOptions modelOptions) : IConsumer<TrainPolicy>
{
    public async Task Consume(ConsumeContext<TrainPolicy> context)
    {
        var command = context.Message;
        await BackgroundJobs.StartFromCommandAsync(store, signal, command.JobId, PpoJob.JobKind,
            async (_, ct) => await job.StartedAsync(command.JobId, await RequestAsync(command, ct), PpoCommandRequest.RolloutMode(command.Rollouts),
                modelOptions, ct),
            (error, now) => new PpoFailed(command.JobId, error, now), clock, context.CancellationToken);
    }

    private async Task<PpoRequest> RequestAsync(TrainPolicy command, CancellationToken ct)
    {
        var hp = PpoCommandRequest.Parse(command.Steps, command.Seed, command.HyperParameters);
        var reference = command.PolicyModel is { Length: > 0 } p ? p : ModelIds.SftScheme + command.RunId;
        string policy;
        try
        {
            await using var session = store.QuerySession();
            policy = await PolicyResolver.ResolveAsync(session, reference, ct);
        }
        catch (PolicyNotFoundException e)
        {
            // A bad request, recorded as the job's PpoFailed (see BackgroundJobs.StartFromCommandAsync), in this consumer's words.
            throw new ArgumentException(e.RunId == Guid.Empty ? $"policy '{reference}': sft: needs a run id" : $"policy '{reference}': {e.Message}");
        }
        var pm = ModelIds.LocalDirectory(command.PreferenceModelCheckpoint);
        var output = command.OutputDirectory is { Length: > 0 } o ? o : Path.Combine(options.Value.ResolvedOutputRoot, command.JobId.ToString());
        return new PpoRequest(command.RunId, policy, pm, output, hp);
    }
}
