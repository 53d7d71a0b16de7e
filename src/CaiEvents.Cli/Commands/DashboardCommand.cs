using System.CommandLine;
using CaiEvents.Dashboard;
using CaiEvents.Dashboard.Access;
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
            Description = "Allow a non-loopback address; every request then needs the access token (Dashboard:AccessToken), "
                + "sent as a bearer header or a cookie that the printed login link sets",
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
                throw new UsageException($"--urls: {string.Join(", ", remote)} is not a loopback http address; "
                    + "pass --allow-remote (which requires the access token) to serve it beyond this machine");

            var configuration = Cli.Configuration();
            var token = parse.GetValue(allowRemote) ? RemoteAccessToken(configuration) : null;
            if (token is not null && remote.Any(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
                Cli.Err.MarkupLine("[yellow]note[/]: plain http: the token and every page cross the network unencrypted (see docs/deployment.md for https)");
            var eventStore = CaiHost.EventStoreOptions(configuration);
            await ServiceReadiness.EnsureEventStoreAsync(eventStore, ct);
            var rabbit = CaiHost.RabbitMqOptions(configuration);
            var queues = string.IsNullOrEmpty(rabbit.Username)
                ? null
                : new RabbitManagementOptions(rabbit.ManagementApi, rabbit.VirtualHost, rabbit.Username, rabbit.Password);

            await using var app = DashboardApp.Build(new DashboardOptions
            {
                EventStore = eventStore, Queues = queues, Urls = addresses, AccessToken = token,
            });
            await app.StartAsync(ct);
            // The bound addresses (a port of 0 becomes the port the system chose) go to stdout, one per line.
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
            foreach (var address in bound) Console.WriteLine(address);
            // The login link carries the secret: printed once, to the operator's terminal (stderr), never logged.
            if (token is not null && bound.Count > 0)
            {
                var link = LoginLink.For(bound.FirstOrDefault(a => !BindAddresses.IsLoopback(a)) ?? bound[0], System.Net.Dns.GetHostName(), token);
                Console.Error.WriteLine($"dashboard: access token required; log a browser in with {link}");
            }
            var queueSource = queues is null ? "n/a (no RabbitMQ configured)" : $"from {queues}";
            Cli.Err.MarkupLineInterpolated($"[grey]dashboard: read-only view of schema {eventStore.Schema}; queue depths {queueSource}; Ctrl+C stops it[/]");
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            await app.StopAsync(CancellationToken.None);
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>Dashboard:AccessToken, which a remote dashboard cannot run without.</summary>
    private static AccessToken RemoteAccessToken(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var value = configuration["Dashboard:AccessToken"];
        if (string.IsNullOrWhiteSpace(value))
            throw new ConfigurationMissingException("--allow-remote needs an access token: set Dashboard__AccessToken "
                + "(./cai sets it from CAI_DASHBOARD_TOKEN in .cai/services/credentials.env)");
        try { return new AccessToken(value.Trim()); }
        catch (ArgumentException)
        {
            throw new ConfigurationMissingException(
                $"Dashboard:AccessToken: needs at least {AccessToken.MinimumLength} characters and no spaces");
        }
    }
}
