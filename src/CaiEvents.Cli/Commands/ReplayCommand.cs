using System.CommandLine;
using CaiEvents.EventStore;

namespace CaiEvents.Cli.Commands;

/// <summary>cai replay: rebuild the read models from the event store.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Rebuild only this run's read models (default: every projection, whole store)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds allowed per projection shard (whole-store rebuild)", DefaultValueFactory = _ => 600 };
        var command = new Command("replay",
            "Rebuild the read models (runs, samples, labels) from the events with Marten's projection rebuild; exports read from them. Run it while no worker is writing.")
            { run, timeout };
        command.SetAction(async (parse, ct) =>
        {
            Guid? runId = parse.GetValue(run) is { } r ? Cli.ParseId(r, "run") : null;
            if (parse.GetValue(timeout) < 1) throw new UsageException("--timeout must be at least 1 second");
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            ReplayResult result;
            if (runId is { } id)
            {
                await using (var session = store.QuerySession())
                    if (await session.Events.FetchStreamStateAsync(id, ct) is null) throw new UsageException($"run {id} does not exist");
                result = await Replay.RebuildRunAsync(store, id, ct);
            }
            else result = await Replay.RebuildAllAsync(store, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
            Console.Error.WriteLine($"rebuilt from the events: {result.Runs} run(s), {result.Samples} sample(s), {result.Comparisons} comparison(s)");
            return Cli.ExitOk;
        });
        return command;
    }
}
