using CaiEvents.Hosting;
using Serilog.Events;

namespace CaiEvents.Workers;

/// <summary>What one host process runs: its roles, its transport, and an optional concurrency for every role.</summary>
public sealed record HostPlan(IReadOnlyList<string> Roles, TransportKind Transport, int? Concurrency = null,
    LogEventLevel ConsoleLogLevel = LogEventLevel.Warning);
