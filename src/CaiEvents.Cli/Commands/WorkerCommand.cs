using System.CommandLine;
using CaiEvents.Application.Hosts;
using CaiEvents.Cli.Options;
using CaiEvents.Contracts;
using CaiEvents.Hosting;
using CaiEvents.Workers;
using Microsoft.Extensions.Hosting;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai worker ROLE...</c>: host the consumers of some roles over RabbitMQ until stopped (Ctrl+C / SIGTERM).</summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var roles = new Argument<string[]>("roles") { Description = $"One or more of: {string.Join(", ", WorkerRoles.All)}", Arity = ArgumentArity.OneOrMore };
        var concurrency = new Option<int?>("--concurrency") { Description = "Messages each role processes at once in this process" };
        var command = new Command("worker", "Run worker roles against RabbitMQ; start several processes to scale a role horizontally.")
        {
            roles, concurrency, ChatTemplateOption.Option,
        };
        command.SetAction(async (parse, ct) =>
        {
            var requested = parse.GetValue(roles)!.Select(r => r.ToLowerInvariant()).Distinct().ToList();
            foreach (var role in requested.Where(r => !WorkerRoles.All.Contains(r)))
                throw new UsageException(WorkerHost.RoleNotAvailable(role));
            var configuration = ChatTemplateOption.Apply(parse, Cli.Configuration());
            // A worker is a service: its console shows what it does (jobs started, duplicates ignored), not only warnings.
            using var host = await RoleHost.StartAsync(requested, TransportKind.RabbitMq, configuration, parse.GetValue(concurrency), ct,
                consoleLogLevel: Serilog.Events.LogEventLevel.Information);
            Console.Error.WriteLine($"worker {string.Join("+", requested)} listening on {CaiHost.RabbitMqOptions(configuration)} (Ctrl+C to stop)");
            await host.WaitForShutdownAsync(ct);
            return Cli.ExitOk;
        });
        return command;
    }
}
