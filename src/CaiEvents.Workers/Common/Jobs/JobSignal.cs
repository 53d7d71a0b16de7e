namespace CaiEvents.Workers.Common.Jobs;

/// <summary>Wakes the job service when a consumer has just started a job in this process.</summary>
public sealed class JobSignal
{
    private readonly SemaphoreSlim _signal = new(0);

    public void Notify()
    {
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
