using CaiEvents.Application.Hosts;
using CaiEvents.Hosting;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Submission;
using Marten;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Application.Runs;

/// <summary><c>cai retry-failed</c>: send a run's failed samples and comparisons back from their failed step.</summary>
public static class FailedItemRetry
{
    public static async Task<RetryOutcome> RetryAsync(Guid runId, IConfiguration configuration, CancellationToken ct)
    {
        using var host = await RoleHost.StartAsync([], TransportKind.RabbitMq, configuration, null, ct);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.QuerySession())
            if (await EventStore.RunQueries.LoadRunAsync(session, runId, ct) is null) throw new UsageException($"run {runId} does not exist");
        var retrier = new FailedItemRetrier(store, host.Services.GetRequiredService<IBus>(), TimeProvider.System);
        var outcome = await retrier.RetryAsync(runId, host.Services.GetRequiredService<WorkerIdentity>().Instance, ct);
        await host.StopAsync(CancellationToken.None);
        return outcome;
    }
}
