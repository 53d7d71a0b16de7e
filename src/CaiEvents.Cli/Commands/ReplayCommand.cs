using System.CommandLine;
using CaiEvents.Application.Replay;

namespace CaiEvents.Cli.Commands;

/// <summary>cai replay: rebuild the read models from the event store.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Rebuild only this run's read models (default: every projection, whole store)" };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds allowed for the whole-store rebuild", DefaultValueFactory = _ => 600,
        };
        var force = new Option<bool>("--force")
        {
            Description = "Rebuild without first checking (RabbitMQ management API) that no worker is connected to a command queue",
        };
        var command = new Command("replay",
            "Rebuild the read models (runs, samples, labels) from the events (whole store: one streamed pass and bulk inserts; "
            + "one run: Marten's single-stream rebuild); exports read from them. "
            + "Refused while workers are connected to the command queues (they read and write those read models).")
            { run, timeout, force };
        command.SetAction(async (parse, ct) =>
        {
            Guid? runId = parse.GetValue(run) is { } r ? Cli.ParseId(r, "run") : null;
            if (parse.GetValue(timeout) < 1) throw new UsageException("--timeout must be at least 1 second");
            var result = await ReadModelRebuild.RunAsync(Cli.Configuration(), runId, TimeSpan.FromSeconds(parse.GetValue(timeout)),
                parse.GetValue(force), ct);
            Console.Error.WriteLine($"rebuilt from the events: {result.Runs} run(s), {result.Samples} sample(s), {result.Comparisons} comparison(s)");
            return Cli.ExitOk;
        });
        return command;
    }
}
