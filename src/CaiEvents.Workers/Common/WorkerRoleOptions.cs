namespace CaiEvents.Workers.Common;

/// <summary>Options every SL role shares. Bound per role from "Workers:&lt;Role&gt;".</summary>
public record WorkerRoleOptions
{
    /// <summary>Messages this role processes at once in this process.</summary>
    public int Concurrency { get; set; } = 2;
    /// <summary>Immediate retry intervals in milliseconds before the message faults.</summary>
    public int[] RetryIntervalsMs { get; set; } = [200, 1000, 3000];
}
