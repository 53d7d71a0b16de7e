using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;

namespace CaiEvents.Domain.Constitutions;

/// <summary>
/// Which few-shot examples a step sees: a seeded draw, a pure function of the run seed, the item's key and the purpose (like the
/// principle draw), so the same seed gives the same examples wherever the step runs. The ids and hashes of the drawn examples are
/// recorded in the step's event (<see cref="Uses(IReadOnlyList{CritiqueRevisionExample})"/>).
/// </summary>
public static class FewShotDraw
{
    /// <summary>Examples prepended per prompt (all of them when the constitution has fewer).</summary>
    public const int PerPrompt = 2;

    /// <summary>
    /// The critique/revision examples of a sample's round; the critique and the revision of one round see the same ones, so the
    /// revision continues the critique's context. Empty when the constitution has none.
    /// </summary>
    public static IReadOnlyList<CritiqueRevisionExample> CritiqueRevision(Constitution constitution, long runSeed, Guid sampleKey, int round)
    {
        ArgumentNullException.ThrowIfNull(constitution);
        if (constitution.CritiqueRevisionExamples.Count == 0) return [];
        var order = constitution.CritiqueRevisionExamples.ToArray();
        new Random(Seeds.ToInt32(Seeds.Derive(runSeed, sampleKey, $"few-shot:critique-revision:{round}"))).Shuffle(order);
        return order.Take(PerPrompt).ToList();
    }

    /// <summary>
    /// The feedback examples of a comparison, each with a seeded side for its better answer (so the examples do not teach a
    /// position); every question of the label (each principle, both orders) gets the same ones. Empty when the constitution has none.
    /// </summary>
    public static IReadOnlyList<PlacedFeedbackExample> Feedback(Constitution constitution, long runSeed, Guid comparisonKey)
    {
        ArgumentNullException.ThrowIfNull(constitution);
        if (constitution.FeedbackExamples.Count == 0) return [];
        var order = constitution.FeedbackExamples.ToArray();
        var random = new Random(Seeds.ToInt32(Seeds.Derive(runSeed, comparisonKey, "few-shot:feedback")));
        random.Shuffle(order);
        return order.Take(PerPrompt).Select(e => new PlacedFeedbackExample(e, random.Next(2) == 0)).ToList();
    }

    /// <summary>What an event records of drawn critique/revision examples; null (left out) when none were drawn.</summary>
    public static IReadOnlyList<FewShotUse>? Uses(IReadOnlyList<CritiqueRevisionExample> examples) =>
        examples.Count == 0 ? null : examples.Select(e => new FewShotUse(e.Id, e.ContentHash)).ToList();

    /// <summary>What an event records of drawn feedback examples; null (left out) when none were drawn.</summary>
    public static IReadOnlyList<FewShotUse>? Uses(IReadOnlyList<PlacedFeedbackExample> examples) =>
        examples.Count == 0 ? null : examples.Select(e => new FewShotUse(e.Example.Id, e.Example.ContentHash)).ToList();
}
