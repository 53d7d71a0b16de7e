namespace CaiEvents.Contracts.Events;

/// <summary>An SL-CAI fine-tuning job that cannot run (unknown run, no SL examples, a base model that cannot be fine-tuned): its last event.</summary>
public sealed record PolicyTrainingFailed(Guid JobId, string Reason, DateTimeOffset FailedAt);
