namespace CaiEvents.Contracts.Events;

// Events of `cai retry-failed RUN`: a failed item goes back into the pipeline, and the stream says so (the failure
// stays on it, followed by the retry and whatever happens next), so provenance shows every attempt.

/// <summary>A failed sample is retried from the step that failed; its state returns to what it was before that step.</summary>
public sealed record SampleRetryRequested(
    Guid SampleId,
    string FailedStep,
    string ErrorType,
    string ErrorMessage,
    int Attempt,
    Provenance Provenance);

/// <summary>A failed comparison is retried from the step that failed.</summary>
public sealed record ComparisonRetryRequested(
    Guid PairId,
    string FailedStep,
    string ErrorType,
    string ErrorMessage,
    int Attempt,
    Provenance Provenance);

/// <summary>
/// On the run stream: these items were sent back into the pipeline. The run is no longer complete; a new
/// <see cref="RunCompleted"/> follows once every item is settled again.
/// </summary>
public sealed record RunRetryRequested(Guid RunId, IReadOnlyList<Guid> ItemIds, bool WasCompleted, string RequestedBy, DateTimeOffset RequestedAt);
