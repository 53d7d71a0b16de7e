using CaiEvents.Application.Hosts;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Replay;

/// <summary><c>cai replay</c>: rebuild the read models (runs, samples, labels) from the events, whole store or one run.</summary>
public static class ReadModelRebuild
{
    /// <param name="runId">Only this run's read models; null = every projection of the store.</param>
    /// <param name="timeout">Time allowed for a whole-store rebuild.</param>
    /// <param name="force">Skip the check that no worker is connected to a command queue.</param>
    public static async Task<ReplayResult> RunAsync(IConfiguration configuration, Guid? runId, TimeSpan timeout, bool force, CancellationToken ct)
    {
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        if (runId is { } named)
            await using (var session = store.QuerySession())
                if (await session.Events.FetchStreamStateAsync(named, ct) is null) throw new UsageException($"run {named} does not exist");
        if (!force) await RefuseWhileWorkersAreConnectedAsync(CaiHost.RabbitMqOptions(configuration), ct);
        return runId is { } id
            ? await EventStore.Replay.RebuildRunAsync(store, id, ct)
            : await EventStore.Replay.RebuildAllAsync(store, timeout, ct);
    }

    /// <summary>
    /// A rebuild deletes and rewrites the read models that workers decide their next step from (and write inline with
    /// every event), so a worker running meanwhile could find its sample missing, fail the step or have its write
    /// overwritten. Workers consume the command queues, so a connected consumer is a possible writer. (A `cai run
    /// --transport inmemory` process has no broker connection and is not seen.)
    /// </summary>
    private static async Task RefuseWhileWorkersAreConnectedAsync(RabbitMqOptions rabbit, CancellationToken ct)
    {
        IReadOnlyList<ConnectedWorker> workers;
        try
        {
            workers = await ConnectedWorkers.ListAsync(rabbit, ct);
        }
        catch (ServiceUnreachableException e)
        {
            throw new ServiceUnreachableException(
                $"cannot check that no worker is writing: {e.Message}; stop the workers and pass --force to rebuild anyway", e);
        }
        if (workers.Count == 0) return;
        var queues = string.Join(", ", workers.GroupBy(w => w.Queue).Select(g => $"{g.Key} ({g.Count()})"));
        var connections = workers.Select(w => w.Connection).Distinct().Count();
        throw new RefusedException($"{workers.Count} worker consumer(s) from {connections} connection(s) are on command queues of virtual host "
            + $"'{rabbit.VirtualHost}': {queues}; stop them before replaying (or pass --force)");
    }
}
