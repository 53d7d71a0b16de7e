using CaiEvents.Contracts.Events;
using Marten;

namespace CaiEvents.EventStore;

/// <summary>Finds the SL-CAI policy a run produced: the final checkpoint of its most recent finished fine-tuning job.</summary>
public static class PolicyCheckpoints
{
    public static async Task<PolicyCheckpointed?> LatestFinalAsync(IQuerySession session, Guid runId, CancellationToken ct)
    {
        var jobs = (await session.Events.QueryRawEventDataOnly<PolicyTrainingStarted>().Where(e => e.RunId == runId).ToListAsync(ct))
            .Select(e => e.JobId).ToHashSet();
        if (jobs.Count == 0) return null;
        var finals = await session.Events.QueryRawEventDataOnly<PolicyCheckpointed>().Where(e => e.Final).ToListAsync(ct);
        return finals.Where(c => jobs.Contains(c.JobId)).OrderBy(c => c.RecordedAt).LastOrDefault();
    }
}
