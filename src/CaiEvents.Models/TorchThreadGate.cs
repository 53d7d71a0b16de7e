namespace CaiEvents.Models;

/// <summary>
/// Runs a local model's calls one at a time on the <see cref="TorchThread"/>, refuses new ones once the model is
/// disposed, and frees its weights there after the calls queued before <see cref="Dispose"/> have finished.
/// </summary>
/// <param name="owner">The model, named by <see cref="ObjectDisposedException"/>.</param>
/// <param name="weights">What <see cref="Dispose"/> frees on the torch thread.</param>
internal sealed class TorchThreadGate(object owner, IDisposable weights) : IDisposable
{
    private volatile bool closed;
    private bool weightsDisposed; // touched only on the torch thread

    /// <summary>Runs <paramref name="work"/> on the torch thread, refusing once the model is disposed.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(closed, owner);
        return TorchThread.RunAsync(() =>
        {
            ObjectDisposedException.ThrowIf(weightsDisposed, owner); // queued before Dispose, reached after it
            return work();
        }, cancellationToken);
    }

    /// <summary>Lets calls queued before it finish, then frees the weights (on the torch thread).</summary>
    public void Dispose()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        TorchThread.RunAsync(() =>
        {
            if (!weightsDisposed)
            {
                weightsDisposed = true;
                weights.Dispose();
            }
            return true;
        }).GetAwaiter().GetResult();
    }
}
