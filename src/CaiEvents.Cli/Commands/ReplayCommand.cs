using System.CommandLine;
using CaiEvents.EventStore;
using CaiEvents.Hosting;

namespace CaiEvents.Cli.Commands;

/// <summary>cai replay: rebuild the read models from the event store.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Rebuild only this run's read models (default: every projection, whole store)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds allowed per projection shard (whole-store rebuild)", DefaultValueFactory = _ => 600 };
        var force = new Option<bool>("--force") { Description = "Rebuild without first checking (RabbitMQ management API) that no worker is connected to a command queue" };
        var command = new Command("replay",
            "Rebuild the read models (runs, samples, labels) from the events with Marten's projection rebuild; exports read from them. Refused while workers are connected to the command queues (they read and write those read models).")
            { run, timeout, force };
        command.SetAction(async (parse, ct) =>
        {
            Guid? runId = parse.GetValue(run) is { } r ? Cli.ParseId(r, "run") : null;
            if (parse.GetValue(timeout) < 1) throw new UsageException("--timeout must be at least 1 second");
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            if (runId is { } named)
                await using (var session = store.QuerySession())
                    if (await session.Events.FetchStreamStateAsync(named, ct) is null) throw new UsageException($"run {named} does not exist");
            if (!parse.GetValue(force)) await RefuseWhileWorkersAreConnectedAsync(CaiHost.RabbitMqOptions(configuration), ct);
            var result = runId is { } id
                ? await Replay.RebuildRunAsync(store, id, ct)
                : await Replay.RebuildAllAsync(store, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
            Console.Error.WriteLine($"rebuilt from the events: {result.Runs} run(s), {result.Samples} sample(s), {result.Comparisons} comparison(s)");
            return Cli.ExitOk;
        });
        return command;
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
            throw new ServiceUnreachableException($"cannot check that no worker is writing: {e.Message}; stop the workers and pass --force to rebuild anyway", e);
        }
        if (workers.Count == 0) return;
        var queues = string.Join(", ", workers.GroupBy(w => w.Queue).Select(g => $"{g.Key} ({g.Count()})"));
        var connections = workers.Select(w => w.Connection).Distinct().Count();
        throw new RefusedException($"{workers.Count} worker consumer(s) from {connections} connection(s) are on command queues of virtual host '{rabbit.VirtualHost}': {queues}; stop them before replaying (or pass --force)");
    }
}
