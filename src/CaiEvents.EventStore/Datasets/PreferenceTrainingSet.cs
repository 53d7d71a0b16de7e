using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaiEvents.Contracts.Events;
using Marten;
using Marten.Events;

namespace CaiEvents.EventStore.Datasets;

/// <summary>One AI-labelled comparison: the prompt, both responses, the soft label P(A) and the principles it was judged on.</summary>
public sealed record PreferenceTrainingItem(
    Guid PairId, string Prompt, string ResponseA, string ResponseB, double ProbabilityA, IReadOnlyList<string> Principles);

/// <summary>
/// The AI-labelled comparisons of a run as they stood at an event-store sequence, read from the events themselves
/// (ComparisonSubmitted, ResponsePairGenerated, PreferenceLabelled with sequence ≤ AsOf), ordered by pair id, with a
/// hash, so a training job can always be rebuilt from exactly the same data. Imported human comparisons are not part of it.
/// </summary>
public sealed record PreferenceTrainingSet(Guid RunId, long AsOf, IReadOnlyList<PreferenceTrainingItem> Items)
{
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
        Items.Select(i => new object[]
        {
            i.PairId.ToString(), i.Prompt, i.ResponseA, i.ResponseB,
            i.ProbabilityA.ToString("R", System.Globalization.CultureInfo.InvariantCulture), i.Principles,
        })))));

    /// <param name="asOf">Highest event sequence to include; null = everything now in the store (AsOf is then the store's last sequence).</param>
    public static async Task<PreferenceTrainingSet> LoadAsync(IQuerySession session, Guid runId, long? asOf, CancellationToken ct)
    {
        var limit = asOf ?? (await session.Events.QueryAllRawEvents().OrderByDescending(e => e.Sequence).Select(e => e.Sequence).FirstOrDefaultAsync(ct));
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypesAre(typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled)))
            .Where(e => e.Sequence <= limit)
            .ToListAsync(ct);
        var submitted = events.Select(e => e.Data).OfType<ComparisonSubmitted>().Where(c => c.RunId == runId).ToDictionary(c => c.PairId);
        var pairs = events.Select(e => e.Data).OfType<ResponsePairGenerated>().Where(p => submitted.ContainsKey(p.PairId))
            .GroupBy(p => p.PairId).ToDictionary(g => g.Key, g => g.First());
        var items = events.Select(e => e.Data).OfType<PreferenceLabelled>()
            .Where(l => submitted.ContainsKey(l.PairId) && pairs.ContainsKey(l.PairId))
            .GroupBy(l => l.PairId).Select(g => g.First())
            // Ordered by the comparison's position in the run (not its id, which derives from the random run id), so two
            // runs with the same seed and prompts give training sets in the same order.
            .OrderBy(l => submitted[l.PairId].Index)
            .Select(l => new PreferenceTrainingItem(l.PairId, submitted[l.PairId].Prompt, pairs[l.PairId].A.Text, pairs[l.PairId].B.Text, l.ProbabilityA,
                l.Judgements.Select(j => j.PrincipleId).Distinct().Order(StringComparer.Ordinal).ToList()))
            .ToList();
        return new PreferenceTrainingSet(runId, limit, items);
    }

    /// <summary>
    /// A seeded split by prompt: every pair of a prompt lands on the same side (a prompt asked several times never
    /// leaks between train and held-out). Prompts are ordered by sha256(seed, prompt) and the first
    /// ceil(fraction · prompts) are held out. A pure function of the items, the seed and the fraction.
    /// </summary>
    public (IReadOnlyList<PreferenceTrainingItem> Train, IReadOnlyList<PreferenceTrainingItem> HeldOut) Split(long seed, double heldOutFraction)
    {
        if (heldOutFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "must be in [0, 1)");
        var prompts = Items.Select(i => i.Prompt).Distinct()
            .OrderBy(p => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{p}"))), StringComparer.Ordinal)
            .ToList();
        var heldOutPrompts = prompts.Take((int)Math.Ceiling(heldOutFraction * prompts.Count)).ToHashSet();
        return (Items.Where(i => !heldOutPrompts.Contains(i.Prompt)).ToList(), Items.Where(i => heldOutPrompts.Contains(i.Prompt)).ToList());
    }
}
