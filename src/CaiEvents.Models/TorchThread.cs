using System.Collections.Concurrent;

namespace CaiEvents.Models;

/// <summary>
/// One long-lived thread for the TorchSharp work of every local model in the process; work items run
/// one at a time, in the order queued. Why: libtorch's CPU parallelism (OpenMP) keeps a team of
/// spinning threads per calling thread, so calls hopping between thread-pool threads pile up teams
/// that fight for the cores (measured: generation slowed 3–4× after a few calls). Dispose scopes and
/// grad mode are per thread too, so one thread also keeps them simple. Training loops that share
/// the cores with generation can run here as well.
/// </summary>
public static class TorchThread
{
    private static readonly BlockingCollection<Action> Queue = new();
    private static readonly Thread Worker = StartWorker();

    /// <summary>True when called from the torch thread itself.</summary>
    public static bool IsCurrent => Thread.CurrentThread == Worker;

    /// <summary>
    /// Runs <paramref name="work"/> on the torch thread after the work queued before it. Called from
    /// the torch thread itself, it runs at once (waiting on queued work there would deadlock).
    /// </summary>
    public static Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        cancellationToken.ThrowIfCancellationRequested();
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Run()
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                result.TrySetResult(work());
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                result.TrySetCanceled(cancellationToken);
            }
            catch (Exception e)
            {
                result.TrySetException(e);
            }
        }
        if (IsCurrent)
        {
            Run();
        }
        else
        {
            Queue.Add(Run);
        }
        return result.Task;
    }

    private static Thread StartWorker()
    {
        var thread = new Thread(() =>
        {
            foreach (var work in Queue.GetConsumingEnumerable())
            {
                work();
            }
        })
        {
            IsBackground = true,
            Name = "torch",
        };
        thread.Start();
        return thread;
    }
}
