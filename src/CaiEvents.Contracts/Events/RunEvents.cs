namespace CaiEvents.Contracts.Events;

/// <summary>First event of a run stream: the frozen configuration and the full constitution text.</summary>
public sealed record RunStarted(
    Guid RunId,
    RunConfiguration Configuration,
    ConstitutionSnapshot Constitution,
    int SampleCount,
    IReadOnlyList<Guid> SampleIds,
    string SubmittedBy,
    DateTimeOffset StartedAt,
    IReadOnlyList<Guid>? PairIds = null);

/// <summary>
/// Appended once, when every item of the run is settled. <c>Finalized</c> counts items that reached their final
/// event (SL examples finalised and comparisons labelled); <c>Failed</c> counts items that ended in a failure event.
/// </summary>
public sealed record RunCompleted(Guid RunId, int Finalized, int Failed, string CompletedBy, DateTimeOffset CompletedAt);
