namespace CaiEvents.Workers.Common.Jobs;

/// <summary>
/// Which job streams still need work: one document per job, written in the same transaction as the job's first
/// event and marked finished in the same transaction as its last one, so it never disagrees with the stream.
/// </summary>
public sealed class JobRecord
{
    public Guid Id { get; set; }
    public string Kind { get; set; } = "";
    public bool Finished { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
