using System.CommandLine;
using CaiEvents.Dashboard;
using CaiEvents.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CaiEvents.Cli.Commands;

/// <summary>cai dashboard: the read-only web view of runs, roles, queues, timelines and label audit chains.</summary>
public static class DashboardCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen (semicolon-separated); loopback only unless --allow-remote",
            DefaultValueFactory = _ => DashboardOptions.DefaultUrl,
        };
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "Allow a non-loopback address: the dashboard has no authentication and shows every prompt and response",
        };
        var command = new Command("dashboard", "Serve a read-only, live-updating web dashboard (runs, progress per role, throughput, queue depths, "
            + "failures, sample timelines, label audit chains).")
        {
            urls, allowRemote,
        };
        command.SetAction(async (parse, ct) =>
        {
            var addresses = parse.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (addresses.Length == 0) throw new UsageException("--urls: no address given");
            var remote = BindAddresses.NotLoopback(addresses);
            if (remote.Count > 0 && !parse.GetValue(allowRemote))
                throw new UsageException($"--urls: {string.Join(", ", remote)} is not a loopback http address; the dashboard has no authentication, "
                    + "so pass --allow-remote to serve it beyond this machine");
            if (remote.Count > 0)
            {
                const string risk = "without authentication: anyone who reaches it can read every prompt, response and label";
                Cli.Err.MarkupLineInterpolated($"[red bold]WARNING[/]: serving the dashboard on {string.Join(", ", remote)} {risk}");
            }

            var configuration = Cli.Configuration();
            var eventStore = CaiHost.EventStoreOptions(configuration);
            await ServiceReadiness.EnsureEventStoreAsync(eventStore, ct);
            var rabbit = CaiHost.RabbitMqOptions(configuration);
            var queues = string.IsNullOrEmpty(rabbit.Username)
                ? null
                : new RabbitManagementOptions(rabbit.ManagementApi, rabbit.VirtualHost, rabbit.Username, rabbit.Password);

            await using var app = DashboardApp.Build(new DashboardOptions { EventStore = eventStore, Queues = queues, Urls = addresses });
            await app.StartAsync(ct);
            // The bound addresses (a port of 0 becomes the port the system chose) go to stdout, one per line.
            foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
                Console.WriteLine(address);
            var queueSource = queues is null ? "n/a (no RabbitMQ configured)" : $"from {queues}";
            Cli.Err.MarkupLineInterpolated($"[grey]dashboard: read-only view of schema {eventStore.Schema}; queue depths {queueSource}; Ctrl+C stops it[/]");
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            await app.StopAsync(CancellationToken.None);
            return Cli.ExitOk;
        });
        return command;
    }
}
