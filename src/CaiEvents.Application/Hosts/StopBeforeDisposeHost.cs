using Microsoft.Extensions.Hosting;

namespace CaiEvents.Application.Hosts;

/// <summary>
/// A host that is stopped before it is disposed. A use case cancelled mid-way (SIGTERM) leaves its <c>using</c> block without
/// calling StopAsync; disposing a running host tears down the services under the consumers still at work, whose retries then
/// fail against a disposed provider and hold the disposal for the whole retry window. Stopping first lets them finish or,
/// after <paramref name="stopTimeout"/>, be abandoned (RabbitMQ redelivers what was not acknowledged).
/// </summary>
internal sealed class StopBeforeDisposeHost(IHost inner, TimeSpan stopTimeout) : IHost
{
    private int _stopped;

    public IServiceProvider Services => inner.Services;

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _stopped, 1);
        return inner.StopAsync(cancellationToken);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            using var timeout = new CancellationTokenSource(stopTimeout);
            try
            {
                inner.StopAsync(timeout.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // Abandoned after the timeout: disposal follows regardless.
            }
        }
        inner.Dispose();
    }
}
