using CaiEvents.Contracts.Commands;
using CaiEvents.Domain;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using Marten;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace CaiEvents.Workers.Common;

/// <summary>
/// The idempotent shape every step consumer shares: fetch the item's stream (a sample or a comparison) for
/// writing, decide from its state, append the step's events only if the step has not happened, then send the
/// command that follows from the (new) state. A duplicate message appends nothing and re-sends the same next
/// command, which heals a crash between append and send.
/// </summary>
public sealed class StepExecutor(IDocumentStore store, WorkerIdentity worker, TimeProvider clock, ILogger<StepExecutor> log)
{
    public delegate Task<IReadOnlyList<object>> ProduceEvents<in TState>(TState state, CancellationToken ct);

    /// <summary>
    /// Reads the current state of several items (read-only, no version check), e.g. to prepare the work of a batch
    /// before each item goes through <see cref="ExecuteAsync{TState}"/>. Unknown items are missing from the result.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, TState>> LoadStatesAsync<TState>(IReadOnlyCollection<Guid> itemIds, CancellationToken ct)
        where TState : class, IItemState<TState>
    {
        await using var session = store.QuerySession();
        var states = await session.LoadManyAsync<TState>(ct, itemIds);
        return states.ToDictionary(s => s.Id);
    }

    public async Task ExecuteAsync<TState>(ConsumeContext context, Guid itemId, string step,
        Func<TState, StepDecision> decide, ProduceEvents<TState> produce, Func<TState, object?> nextCommand)
        where TState : class, IItemState<TState>
    {
        var ct = context.CancellationToken;
        TState state;
        await using (var session = store.LightweightSession())
        {
            // FetchForWriting records the stream version: if another consumer appends first, SaveChanges
            // throws a concurrency exception, the message is retried and then sees AlreadyDone.
            var stream = await session.Events.FetchForWriting<TState>(itemId, ct);
            state = stream.Aggregate ?? throw new UnknownItemException(itemId);
            var decision = decide(state);
            switch (decision.Kind)
            {
                case StepDecisionKind.Execute:
                    var events = await produce(state, ct);
                    stream.AppendMany(events);
                    await session.SaveChangesAsync(ct);
                    foreach (var e in events) state = state.Evolve(e);
                    log.LogDebug("{Step} of item {ItemId} appended {Count} event(s)", step, itemId, events.Count);
                    break;
                case StepDecisionKind.AlreadyDone:
                case StepDecisionKind.Settled:
                    log.LogInformation("Duplicate {Step} for item {ItemId} ({Reason}); nothing appended", step, itemId, decision.Reason);
                    break;
                case StepDecisionKind.NotReady:
                    throw new StepNotReadyException($"{step} of item {itemId}: {decision.Reason}");
                case StepDecisionKind.Invalid:
                    log.LogWarning("Ignoring {Step} for item {ItemId}: {Reason}", step, itemId, decision.Reason);
                    return;
            }
        }

        var next = nextCommand(state);
        if (next is not null)
        {
            var endpoint = await context.GetSendEndpoint(CommandQueues.AddressFor(next));
            await endpoint.Send(next, next.GetType(), ct);
        }
        if (state.IsSettled) await RunCompletion.TryCompleteAsync(store, state.RunId, worker.Instance, clock, ct);
    }
}
