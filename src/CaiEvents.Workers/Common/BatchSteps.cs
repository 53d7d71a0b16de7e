using System.Runtime.ExceptionServices;
using CaiEvents.Contracts.Commands;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace CaiEvents.Workers.Common;

/// <summary>
/// The two halves of a batch consumer of comparison steps (pairs, labels). <see cref="PrepareAsync"/> does the model work of
/// every item of the batch that still needs it, one model call per group of items that share a model and its settings;
/// <see cref="EachAsync"/> then runs every message through <see cref="StepExecutor"/> on its own, using what was prepared.
/// </summary>
public static class BatchSteps
{
    /// <summary>
    /// Reads the state of every comparison in the batch, keeps those whose step <paramref name="decide"/>s to execute and that
    /// <paramref name="select"/> picks (null: not batched), groups them by <paramref name="groupBy"/> (model and settings), and runs each group through
    /// <paramref name="runGroup"/> (one result per item, in order). Best effort: an item missing from the result (its group
    /// failed, or the batch could not be read) is computed on its own by the per-message step.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, TResult>> PrepareAsync<TCommand, TWork, TKey, TResult>(
        Batch<TCommand> batch, StepExecutor steps, RunContextCache runs, Func<ComparisonState, StepDecision> decide,
        Func<ComparisonState, RunContext, TWork?> select, Func<TWork, TKey> groupBy, Func<TWork, Guid> itemOf, Func<TKey, string> modelOf,
        Func<TKey, IReadOnlyList<TWork>, CancellationToken, Task<IReadOnlyList<TResult>>> runGroup,
        ILogger log, BatchWording wording, CancellationToken ct)
        where TCommand : class, IPairCommand
        where TWork : class
        where TKey : notnull
    {
        var prepared = new Dictionary<Guid, TResult>();
        var work = new List<TWork>();
        try
        {
            var commands = batch.Select(m => m.Message).DistinctBy(c => c.PairId).ToList();
            var states = await steps.LoadStatesAsync<ComparisonState>(commands.Select(c => c.PairId).ToList(), ct);
            foreach (var command in commands)
            {
                if (!states.TryGetValue(command.PairId, out var state) || decide(state).Kind != StepDecisionKind.Execute) continue;
                var run = await runs.GetAsync(command.RunId, ct);
                if (select(state, run) is { } item) work.Add(item);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning(e, "Could not prepare a batch of {Count} {Commands:l}; {Doing:l} them one by one", batch.Length, wording.Commands, wording.Doing);
            return prepared;
        }

        foreach (var group in work.GroupBy(groupBy))
        {
            var items = group.ToList();
            try
            {
                var results = await runGroup(group.Key, items, ct);
                for (var i = 0; i < items.Count; i++) prepared[itemOf(items[i])] = results[i];
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogWarning(e, "Batched {Work:l} of {Count} pair(s) with {Model} failed; {Doing:l} them one by one",
                    wording.Work, items.Count, modelOf(group.Key), wording.Doing);
            }
        }
        return prepared;
    }

    /// <summary>
    /// The per-message half: every message of the batch is processed on its own, a failing one does not stop the others, and
    /// after all were tried the batch rethrows (the one failure as it was, or an <see cref="AggregateException"/>), so
    /// MassTransit retries the batch and finally faults each message.
    /// </summary>
    public static async Task EachAsync<T>(ConsumeContext<Batch<T>> context, Func<ConsumeContext<T>, Task> step, string what) where T : class
    {
        List<Exception>? failures = null;
        foreach (var message in context.Message)
        {
            try
            {
                await step(message);
            }
            catch (Exception e) when (!(e is OperationCanceledException && context.CancellationToken.IsCancellationRequested))
            {
                (failures ??= []).Add(e);
            }
        }
        switch (failures)
        {
            case null:
                return;
            case [var only]:
                ExceptionDispatchInfo.Throw(only);
                return;
            default:
                throw new AggregateException($"{failures.Count} of {context.Message.Length} {what} in the batch failed", failures);
        }
    }
}
