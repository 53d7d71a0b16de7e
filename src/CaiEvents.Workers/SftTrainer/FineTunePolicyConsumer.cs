using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Models;
using CaiEvents.Workers.Common.Jobs;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.SftTrainer;

/// <summary>
/// Acknowledges a <see cref="FineTunePolicy"/> at once: it snapshots the run's SL examples (as of AsOf, with their hash) and hashes
/// the base model into <see cref="PolicyTrainingStarted"/>, starts the job stream (a no-op when it exists: redeliveries write
/// nothing) and wakes the job service, which fine-tunes outside <c>Consume</c> (<see cref="SftJob"/>). A request that cannot run
/// becomes <see cref="PolicyTrainingFailed"/>, the stream's only event.
/// </summary>
public sealed class FineTunePolicyConsumer(IDocumentStore store, SftJob job, TimeProvider clock, JobSignal signal, IOptions<SftTrainerOptions> options,
    ModelOptions modelOptions) : IConsumer<FineTunePolicy>
{
    public async Task Consume(ConsumeContext<FineTunePolicy> context)
    {
        var command = context.Message;
        // A job that `cai sft` started in its own process has a stream but no job record: adopt it, so a worker resumes it.
        await BackgroundJobs.AdoptAsync(store, command.JobId, SftJob.Kind, context.CancellationToken);
        await BackgroundJobs.StartFromCommandAsync(store, signal, command.JobId, SftJob.Kind,
            async (_, ct) => await job.StartedAsync(command.JobId, Request(command), modelOptions, ct),
            (error, now) => new PolicyTrainingFailed(command.JobId, error, now), clock, context.CancellationToken);
    }

    private SftRequest Request(FineTunePolicy command)
    {
        if (string.IsNullOrWhiteSpace(command.BaseModel)) throw new ArgumentException("base model is empty");
        var output = command.OutputDirectory is { Length: > 0 } o ? o : Path.Combine(options.Value.ResolvedOutputRoot, command.JobId.ToString());
        return new SftRequest(command.RunId, command.BaseModel, output, command.AsOf, command.HyperParameters);
    }
}
