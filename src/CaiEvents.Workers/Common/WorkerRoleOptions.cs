namespace CaiEvents.Workers.Common;

/// <summary>Options every SL role shares. Bound per role from "Workers:&lt;Role&gt;".</summary>
public record WorkerRoleOptions
{
    /// <summary>Messages this role processes at once in this process.</summary>
    public int Concurrency { get; set; } = 2;
    /// <summary>
    /// Messages RabbitMQ hands this process ahead of time (unacknowledged); default: <see cref="Concurrency"/>.
    /// A larger prefetch lets one process hoard commands that idle processes of the same role could be running,
    /// which is what limits horizontal scaling when steps are slow (a remote model) and queues are short.
    /// </summary>
    public int? PrefetchCount { get; set; }
    /// <summary>Immediate retry intervals in milliseconds before the message faults.</summary>
    public int[] RetryIntervalsMs { get; set; } = [200, 1000, 3000];
}
