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

/// <summary>Appended once, when every sample of the run is finalised or failed.</summary>
public sealed record RunCompleted(Guid RunId, int Finalized, int Failed, string CompletedBy, DateTimeOffset CompletedAt);
