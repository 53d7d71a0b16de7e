using System.CommandLine;
using CaiEvents.Hosting;

namespace CaiEvents.Cli.Options;

/// <summary>Options about where roles run and how long to wait, shared by the commands that host roles.</summary>
internal static class HostOptions
{
    public static readonly Option<string> Transport = new("--transport")
    {
        Description = "inmemory (one process) or rabbitmq (workers in other processes see the run too)",
        DefaultValueFactory = _ => "inmemory",
    };

    public static readonly Option<int> TimeoutSeconds = new("--timeout")
    {
        Description = "Seconds to wait for the run to complete", DefaultValueFactory = _ => 3600,
    };

    public static readonly Option<int?> Concurrency = new("--concurrency") { Description = "Messages each role processes at once in this process" };

    public static TransportKind ParseTransport(string value) => value.ToLowerInvariant() switch
    {
        "inmemory" or "in-memory" => TransportKind.InMemory,
        "rabbitmq" => TransportKind.RabbitMq,
        _ => throw new UsageException($"--transport: '{value}' is not one of inmemory, rabbitmq"),
    };
}
