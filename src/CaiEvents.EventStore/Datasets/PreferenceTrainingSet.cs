using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaiEvents.Contracts.Events;
using Marten;
using Marten.Events;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// The AI-labelled comparisons of a run as they stood at an event-store sequence, read from the events themselves
/// (ComparisonSubmitted, ResponsePairGenerated, PreferenceLabelled with sequence ≤ AsOf), ordered by their position in the run,
/// with a hash, so a training job can always be rebuilt from exactly the same data. Optionally followed by imported human
/// comparisons (<see cref="PreferenceImported"/> of a run, chosen as response A with P(A) = 1), each naming its import origin.
/// </summary>
public sealed record PreferenceTrainingSet(Guid RunId, long AsOf, IReadOnlyList<PreferenceTrainingItem> Items)
{
    /// <summary>sha256 of the items; an AI item hashes as it always has, a human item adds its origin, so a set without them keeps its hash.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
        Items.Select(i => i.Import is not { } origin
            ? new object[]
            {
                i.PairId.ToString(), i.Prompt, i.ResponseA, i.ResponseB,
                i.ProbabilityA.ToString("R", System.Globalization.CultureInfo.InvariantCulture), i.Principles,
            }
            : new object[]
            {
                i.PairId.ToString(), i.Prompt, i.ResponseA, i.ResponseB,
                i.ProbabilityA.ToString("R", System.Globalization.CultureInfo.InvariantCulture), i.Principles,
                PreferencePairSource.Human, origin.File, origin.Line, origin.RecordId,
            })))));

    /// <summary>True when any item is a human comparison.</summary>
    public bool HasHumanPairs => Items.Any(i => i.IsHuman);

    /// <summary>Every item's source and side of <see cref="Split"/>, in item order (the snapshot a job records).</summary>
    public IReadOnlyList<PreferencePairSource> Sources(long seed, double heldOutFraction)
    {
        var heldOut = Split(seed, heldOutFraction).HeldOut.Select(i => i.PairId).ToHashSet();
        return Items.Select(i => i.IsHuman
            ? new PreferencePairSource(i.PairId, PreferencePairSource.Human, heldOut.Contains(i.PairId), Import: i.Import)
            : new PreferencePairSource(i.PairId, PreferencePairSource.Ai, heldOut.Contains(i.PairId), LabelId: i.LabelId)).ToList();
    }

    /// <param name="asOf">Highest event sequence to include; null = everything now in the store (AsOf is then the store's last sequence).</param>
    public static Task<PreferenceTrainingSet> LoadAsync(IQuerySession session, Guid runId, long? asOf, CancellationToken ct) =>
        LoadAsync(session, runId, asOf, null, null, 0, ct);

    /// <summary>
    /// The run's AI-labelled comparisons, then (with <paramref name="humanRunId"/>) the human comparisons imported into that run as of the
    /// same sequence, in file order (file, line, record id). With <paramref name="humanFraction"/> f, n = round(f / (1 − f) · AI pairs)
    /// of them (at most all) are kept so humans make up about f of the mix, chosen by sha256(seed, pair id): a pure function of the store.
    /// </summary>
    /// <param name="batchSize">Comparisons (and imports) whose events are read at once: the run's comparisons are found a batch at a time
    /// through their documents, in prompt order, and only their own events are read (no other run's events).</param>
    public static async Task<PreferenceTrainingSet> LoadAsync(IQuerySession session, Guid runId, long? asOf, Guid? humanRunId, double? humanFraction,
        long seed, CancellationToken ct, int batchSize = RunItemBatches.DefaultBatchSize)
    {
        var limit = asOf ?? await PointInTime.LastSequenceAsync(session, ct);
        var items = new List<PreferenceTrainingItem>();
        // In the comparisons' order in the run (not their ids, which derive from the random run id), so two runs with the same seed
        // and prompts give training sets in the same order.
        await foreach (var batch in RunItemBatches.ComparisonsAsync(session, runId, batchSize, ct))
        {
            var ids = batch.Select(c => c.Id).ToArray();
            var events = (await session.Events.QueryAllRawEvents()
                    .Where(e => e.EventTypesAre(typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled)))
                    .Where(e => e.Sequence <= limit && ids.Contains(e.StreamId))
                    .ToListAsync(ct))
                .OrderBy(e => e.Sequence).ToLookup(e => e.StreamId);
            foreach (var id in ids)
            {
                var stream = events[id].Select(e => e.Data).ToList();
                if (stream.OfType<ComparisonSubmitted>().FirstOrDefault(c => c.RunId == runId) is not { } submitted) continue;
                if (stream.OfType<ResponsePairGenerated>().FirstOrDefault() is not { } pair) continue;
                if (stream.OfType<PreferenceLabelled>().FirstOrDefault() is not { } label) continue;
                items.Add(new PreferenceTrainingItem(id, submitted.Prompt, pair.A.Text, pair.B.Text, label.ProbabilityA,
                    label.Judgements.Select(j => j.PrincipleId).Distinct().Order(StringComparer.Ordinal).ToList(), label.LabelId));
            }
        }
        if (humanRunId is { } humanRun)
        {
            var imported = new List<PreferenceImported>();
            await foreach (var batch in ImportedPreferenceBatches.BatchesAsync(session, humanRun, limit, batchSize, ct)) imported.AddRange(batch);
            imported = imported.GroupBy(p => p.PairId).Select(g => g.First()).ToList();
            if (humanFraction is { } f)
            {
                if (f is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(humanFraction), f, "must be in (0, 1)");
                var keep = (int)Math.Min(imported.Count, Math.Round(f / (1 - f) * items.Count, MidpointRounding.AwayFromZero));
                imported = imported
                    .OrderBy(p => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{p.PairId}"))), StringComparer.Ordinal)
                    .Take(keep).ToList();
            }
            items.AddRange(imported
                .OrderBy(p => p.Origin.File, StringComparer.Ordinal).ThenBy(p => p.Origin.Line).ThenBy(p => p.Origin.RecordId, StringComparer.Ordinal)
                .ThenBy(p => p.PairId)
                .Select(p => new PreferenceTrainingItem(p.PairId, p.Prompt, p.Chosen, p.Rejected, 1.0, [], Import: p.Origin)));
        }
        return new PreferenceTrainingSet(runId, limit, items);
    }

    /// <summary>
    /// A seeded split by prompt: every pair of a prompt lands on the same side (a prompt asked several times never
    /// leaks between train and held-out). Prompts are ordered by sha256(seed, prompt) and the first
    /// ceil(fraction · prompts) are held out, separately among the AI-labelled pairs' prompts and the human pairs' prompts, so both
    /// kinds are held out; a prompt held out for either kind is held out for both. A pure function of the items, the seed and the fraction.
    /// </summary>
    public (IReadOnlyList<PreferenceTrainingItem> Train, IReadOnlyList<PreferenceTrainingItem> HeldOut) Split(long seed, double heldOutFraction)
    {
        if (heldOutFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "must be in [0, 1)");
        var heldOutPrompts = HeldOutPrompts(Items.Where(i => !i.IsHuman), seed, heldOutFraction)
            .Concat(HeldOutPrompts(Items.Where(i => i.IsHuman), seed, heldOutFraction)).ToHashSet();
        return (Items.Where(i => !heldOutPrompts.Contains(i.Prompt)).ToList(), Items.Where(i => heldOutPrompts.Contains(i.Prompt)).ToList());
    }

    private static IEnumerable<string> HeldOutPrompts(IEnumerable<PreferenceTrainingItem> items, long seed, double heldOutFraction)
    {
        var prompts = items.Select(i => i.Prompt).Distinct()
            .OrderBy(p => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{p}"))), StringComparer.Ordinal)
            .ToList();
        return prompts.Take((int)Math.Ceiling(heldOutFraction * prompts.Count));
    }
}
