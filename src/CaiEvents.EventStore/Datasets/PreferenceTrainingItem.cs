using CaiEvents.Contracts.Events;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// One comparison to train a preference model on: the prompt, both responses, the soft label P(A) and the principles it was judged
/// on. An AI label names its <see cref="LabelId"/>; an imported human comparison (A = chosen, P(A) = 1, no principles) its
/// <see cref="Import"/> origin.
/// </summary>
public sealed record PreferenceTrainingItem(
    Guid PairId, string Prompt, string ResponseA, string ResponseB, double ProbabilityA, IReadOnlyList<string> Principles,
    Guid? LabelId = null, ImportOrigin? Import = null)
{
    /// <summary>True for an imported human comparison.</summary>
    public bool IsHuman => Import is not null;
}
