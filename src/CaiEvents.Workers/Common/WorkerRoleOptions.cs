namespace CaiEvents.Workers.Common;

/// <summary>Options every role shares. Bound per role from "Workers:&lt;Role&gt;".</summary>
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
    /// <summary>
    /// Explicit retry intervals in milliseconds before the message faults. Empty (the default) means the jittered
    /// exponential schedule below, which is long enough to ride out a PostgreSQL or RabbitMQ restart.
    /// </summary>
    public int[] RetryIntervalsMs { get; set; } = [];
    /// <summary>Retries of the exponential schedule (used when <see cref="RetryIntervalsMs"/> is empty).</summary>
    public int RetryLimit { get; set; } = 10;
    /// <summary>Shortest wait of the exponential schedule, in milliseconds.</summary>
    public int RetryMinMs { get; set; } = 200;
    /// <summary>Longest wait of the exponential schedule, in milliseconds.</summary>
    public int RetryMaxMs { get; set; } = 8000;
    /// <summary>Growth step of the exponential schedule, in milliseconds (each wait is randomised by ±20 % of it).</summary>
    public int RetryDeltaMs { get; set; } = 400;
}
