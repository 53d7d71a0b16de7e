namespace CaiEvents.Contracts.Events;

/// <summary>
/// First event of a run stream: the frozen configuration and the full constitution text. The prompt set is recorded by
/// its hash (<see cref="RunConfiguration.PromptSetHash"/>) and its counts, not by listing every item: item ids are
/// name-based (sample i = UUIDv5(run, "sample:i"), comparison i = UUIDv5(run, "pair:i")), so the counts name them all.
/// <para><see cref="SampleIds"/> and <see cref="PairIds"/> are only filled by runs written before chunked submission
/// (they stay readable); newer runs leave them empty and null and set <see cref="PairCount"/>.</para>
/// </summary>
public sealed record RunStarted(
    Guid RunId,
    RunConfiguration Configuration,
    ConstitutionSnapshot Constitution,
    int SampleCount,
    IReadOnlyList<Guid> SampleIds,
    string SubmittedBy,
    DateTimeOffset StartedAt,
    IReadOnlyList<Guid>? PairIds = null,
    int? PairCount = null)
{
    /// <summary>Comparisons of the RL labelling stage: <see cref="PairCount"/>, or the length of an old run's list.</summary>
    public int ComparisonCount() => PairCount ?? PairIds?.Count ?? 0;
}

/// <summary>
/// Appended once, when every item of the run is settled. <c>Finalized</c> counts items that reached their final
/// event (SL examples finalised and comparisons labelled); <c>Failed</c> counts items that ended in a failure event.
/// </summary>
public sealed record RunCompleted(Guid RunId, int Finalized, int Failed, string CompletedBy, DateTimeOffset CompletedAt);
