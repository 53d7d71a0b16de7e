using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaiEvents.Contracts.Events;
using Marten;
using Marten.Events;

namespace CaiEvents.EventStore.Datasets;

public sealed record SlExample(Guid SampleId, long Sequence, string Prompt, string Completion);

/// <summary>
/// The supervised examples of a run, read from the events themselves (not from a read model), as they stood at
/// an event-store sequence. Training records <see cref="SnapshotPosition"/> and <see cref="Hash"/>, so the same
/// job can always be rebuilt from exactly the same data.
/// </summary>
public sealed record SlDataset(Guid RunId, long SnapshotPosition, IReadOnlyList<SlExample> Examples)
{
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        JsonSerializer.Serialize(Examples.Select(e => new[] { e.SampleId.ToString(), e.Prompt, e.Completion })))));

    /// <param name="asOf">Highest event sequence to include; null = everything now in the store.</param>
    public static async Task<SlDataset> LoadAsync(IQuerySession session, Guid runId, long? asOf, CancellationToken ct)
    {
        var query = session.Events.QueryAllRawEvents().Where(e => e.EventTypesAre(typeof(SlExampleFinalized)));
        if (asOf is { } limit) query = query.Where(e => e.Sequence <= limit);
        var events = await query.OrderBy(e => e.Sequence).ToListAsync(ct);
        // A sample's PromptSubmitted precedes its SlExampleFinalized, so no sequence limit is needed here.
        var index = (await session.Events.QueryRawEventDataOnly<PromptSubmitted>().Where(p => p.RunId == runId).ToListAsync(ct))
            .ToDictionary(p => p.SampleId, p => p.Index);
        var examples = events
            .Select(e => (e.Sequence, Data: (SlExampleFinalized)e.Data))
            .Where(e => e.Data.Provenance.RunId == runId)
            // Ordered by the sample's position in the prompt set, not by completion time, so the dataset and its hash
            // do not depend on which worker finished first (and two runs with the same seed list their examples alike).
            .OrderBy(e => index[e.Data.SampleId])
            .Select(e => new SlExample(e.Data.SampleId, e.Sequence, e.Data.Prompt, e.Data.Completion))
            .ToList();
        var position = asOf ?? (examples.Count == 0 ? 0 : examples.Max(e => e.Sequence));
        return new SlDataset(runId, position, examples);
    }
}
