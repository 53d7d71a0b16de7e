using System.Runtime.ExceptionServices;
using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>
/// The per-message half of a batch consumer: every message of the batch is processed on its own, a failing one
/// does not stop the others, and after all were tried the batch rethrows (the one failure as it was, or an
/// <see cref="AggregateException"/>), so MassTransit retries the batch and finally faults each message.
/// </summary>
public static class BatchSteps
{
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
