using CaiEvents.Hosting;
using CaiEvents.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Serilog.Events;

namespace CaiEvents.Application.Hosts;

/// <summary>Starts a host with some worker roles (none: a host that only sends) after checking the services it needs.</summary>
public static class RoleHost
{
    /// <summary>How long a host left without StopAsync (a cancelled use case) waits for its consumers when disposed.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    /// <param name="beforeStart">Checks that need the host's services but must fail before its bus starts (a host
    /// disposed while its bus is still starting logs a spurious shutdown warning into a one-line error).</param>
    public static async Task<IHost> StartAsync(IReadOnlyList<string> roles, TransportKind transport, IConfiguration configuration, int? concurrency,
        CancellationToken ct, Action<IHost>? beforeStart = null, LogEventLevel consoleLogLevel = LogEventLevel.Warning)
    {
        if (concurrency is < 1 or > 256) throw new UsageException($"--concurrency: must be between 1 and 256, got {concurrency}");
        await ServiceReadiness.EnsureEventStoreAsync(CaiHost.EventStoreOptions(configuration), ct);
        if (transport == TransportKind.RabbitMq) await ServiceReadiness.EnsureRabbitMqAsync(CaiHost.RabbitMqOptions(configuration), ct);
        // The host reads the configuration it was given (the CLI passes its own; a test passes its schema and vhost).
        var host = WorkerHost.CreateBuilder(new HostPlan(roles, transport, concurrency, consoleLogLevel), configuration).Build();
        try
        {
            beforeStart?.Invoke(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        await host.StartAsync(ct);
        return new StopBeforeDisposeHost(host, StopTimeout);
    }
}
