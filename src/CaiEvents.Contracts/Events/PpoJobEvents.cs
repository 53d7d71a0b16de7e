namespace CaiEvents.Contracts.Events;

/// <summary>A PPO job that cannot run (bad request, missing preference model, unknown policy): the job's last event.</summary>
public sealed record PpoFailed(Guid JobId, string Reason, DateTimeOffset FailedAt);
