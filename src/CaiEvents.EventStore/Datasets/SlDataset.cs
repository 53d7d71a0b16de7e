using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaiEvents.Contracts.Events;
using Marten;
using Marten.Events;

namespace CaiEvents.EventStore.Datasets;

public sealed record SlExample(Guid SampleId, long Sequence, string Prompt, string Completion);

/// <summary>
/// The supervised examples of a run, read from the events themselves (the read model only finds the run's samples), as they stood at
/// an event-store sequence. Training records <see cref="SnapshotPosition"/> and <see cref="Hash"/>, so the same
/// job can always be rebuilt from exactly the same data.
/// </summary>
public sealed record SlDataset(Guid RunId, long SnapshotPosition, IReadOnlyList<SlExample> Examples)
{
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        JsonSerializer.Serialize(Examples.Select(e => new[] { e.SampleId.ToString(), e.Prompt, e.Completion })))));

    /// <param name="asOf">Highest event sequence to include; null = everything now in the store.</param>
    /// <param name="batchSize">Samples whose events are read at once: the run's samples are found a batch at a time through their
    /// documents, in prompt order, and only their <see cref="SlExampleFinalized"/> events are read (no other run's events).</param>
    public static async Task<SlDataset> LoadAsync(IQuerySession session, Guid runId, long? asOf, CancellationToken ct,
        int batchSize = RunItemBatches.DefaultBatchSize)
    {
        var limit = asOf ?? long.MaxValue;
        var examples = new List<SlExample>();
        // Ordered by the sample's position in the prompt set, not by completion time, so the dataset and its hash
        // do not depend on which worker finished first (and two runs with the same seed list their examples alike).
        await foreach (var batch in RunItemBatches.SamplesAsync(session, runId, batchSize, ct))
        {
            var ids = batch.Select(s => s.Id).ToArray();
            var finalized = (await session.Events.QueryAllRawEvents()
                    .Where(e => e.EventTypesAre(typeof(SlExampleFinalized)) && e.Sequence <= limit && ids.Contains(e.StreamId))
                    .ToListAsync(ct))
                .ToLookup(e => e.StreamId);
            foreach (var id in ids)
                examples.AddRange(finalized[id].OrderBy(e => e.Sequence).Select(e => (e.Sequence, Data: (SlExampleFinalized)e.Data))
                    .Select(e => new SlExample(e.Data.SampleId, e.Sequence, e.Data.Prompt, e.Data.Completion)));
        }
        var position = asOf ?? (examples.Count == 0 ? 0 : examples.Max(e => e.Sequence));
        return new SlDataset(runId, position, examples);
    }
}
