namespace CaiEvents.Workers.Common.Jobs;

/// <summary>
/// Runs one kind of job from its stream. It must resume from whatever the stream already records, and append its last event
/// together with <see cref="BackgroundJobs.MarkFinished"/>.
/// </summary>
public interface IBackgroundJobRunner
{
    string Kind { get; }
    Task RunAsync(Guid jobId, CancellationToken ct);
}
