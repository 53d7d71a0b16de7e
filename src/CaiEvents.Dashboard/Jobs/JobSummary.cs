namespace CaiEvents.Dashboard.Jobs;

/// <summary>
/// One training job as the jobs list shows it. <see cref="Kind"/>: "sft", "pm" or "ppo"; <see cref="State"/>: "running",
/// "completed" or "failed". <see cref="Done"/> of <see cref="Total"/> counts <see cref="Unit"/> (checkpointed steps for SFT,
/// whose steps are recorded only at checkpoints; epochs for PM; steps for PPO). <see cref="Resumptions"/>: how many times
/// another process took the job over, where the events say (PM epochs name their worker process); null where they do not.
/// RunId, BaseModel and StartedAt are null for a job that failed before it started.
/// </summary>
public sealed record JobSummary(Guid Id, string Kind, string State, Guid? RunId, string? BaseModel, int Done, int Total, string Unit,
    JobCheckpoint? LastCheckpoint, int? Resumptions, DateTimeOffset? StartedAt, string? Error);
