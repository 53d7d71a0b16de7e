namespace CaiEvents.Workers.Common.Jobs;

public sealed record BackgroundJobOptions
{
    /// <summary>How often to look for unfinished jobs without a signal (picks up jobs a dead process left behind).</summary>
    public int PollIntervalMs { get; set; } = 5000;
}
