using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;

namespace CaiEvents.EventStore;

/// <summary>
/// The item streams a run names. Runs written before chunked submission list their ids in <see cref="RunStarted"/>;
/// newer runs record only the counts, and the ids follow from the run id and the prompt index (name-based, so the
/// same for every reader).
/// </summary>
public static class RunItemIds
{
    public static IReadOnlyList<Guid> Samples(RunStarted started) => started.SampleIds.Count > 0
        ? started.SampleIds
        : Samples(started.RunId, started.SampleCount);

    public static IReadOnlyList<Guid> Pairs(RunStarted started) => started.PairIds is { Count: > 0 } listed
        ? listed
        : Pairs(started.RunId, started.ComparisonCount());

    public static IReadOnlyList<Guid> Samples(Guid runId, int count) =>
        Enumerable.Range(0, count).Select(i => DeterministicIds.Sample(runId, i)).ToList();

    public static IReadOnlyList<Guid> Pairs(Guid runId, int count) =>
        Enumerable.Range(0, count).Select(i => DeterministicIds.Pair(runId, i)).ToList();
}
