namespace CaiEvents.Workers.Common;

/// <summary>Which process produced an event: recorded as the worker instance in provenance.</summary>
public sealed record WorkerIdentity(string Instance)
{
    public static WorkerIdentity ForThisProcess() =>
        new($"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}");
}
