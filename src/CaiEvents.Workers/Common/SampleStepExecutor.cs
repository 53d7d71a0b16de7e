using CaiEvents.Contracts.Commands;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using MassTransit;
using Marten;
using Microsoft.Extensions.Logging;

namespace CaiEvents.Workers.Common;

/// <summary>
/// The idempotent shape every SL consumer shares: fetch the sample stream for writing, decide from its
/// state, append the step's events only if the step has not happened, then send the command that
/// follows from the (new) state. A duplicate message appends nothing and re-sends the same next
/// command, which heals a crash between append and send.
/// </summary>
public sealed class SampleStepExecutor(IDocumentStore store, WorkerIdentity worker, TimeProvider clock, ILogger<SampleStepExecutor> log)
{
    public delegate Task<IReadOnlyList<object>> ProduceEvents(SampleState state, CancellationToken ct);

    public async Task ExecuteAsync(ConsumeContext context, RunContext run, Guid sampleId, string step,
        Func<SampleState, StepDecision> decide, ProduceEvents produce)
    {
        var ct = context.CancellationToken;
        SampleState state;
        await using (var session = store.LightweightSession())
        {
            // FetchForWriting records the stream version: if another consumer appends first, SaveChanges
            // throws a concurrency exception, the message is retried and then sees AlreadyDone.
            var stream = await session.Events.FetchForWriting<SampleState>(sampleId, ct);
            state = stream.Aggregate ?? throw new UnknownSampleException(sampleId);
            var decision = decide(state);
            switch (decision.Kind)
            {
                case StepDecisionKind.Execute:
                    var events = await produce(state, ct);
                    stream.AppendMany(events);
                    await session.SaveChangesAsync(ct);
                    foreach (var e in events) state = state.Evolve(e);
                    log.LogDebug("{Step} of sample {SampleId} appended {Count} event(s)", step, sampleId, events.Count);
                    break;
                case StepDecisionKind.AlreadyDone:
                case StepDecisionKind.Settled:
                    log.LogInformation("Duplicate {Step} for sample {SampleId} ({Reason}); nothing appended", step, sampleId, decision.Reason);
                    break;
                case StepDecisionKind.NotReady:
                    throw new StepNotReadyException($"{step} of sample {sampleId}: {decision.Reason}");
                case StepDecisionKind.Invalid:
                    log.LogWarning("Ignoring {Step} for sample {SampleId}: {Reason}", step, sampleId, decision.Reason);
                    return;
            }
        }

        var next = SlDecider.NextCommand(state, run.Configuration.Revisions);
        if (next is not null)
        {
            var endpoint = await context.GetSendEndpoint(CommandQueues.AddressFor(next));
            await endpoint.Send(next, next.GetType(), ct);
        }
        if (state.IsSettled) await RunCompletion.TryCompleteAsync(store, state.RunId, worker.Instance, clock, ct);
    }
}
