using CaiEvents.Models.Chat;

namespace CaiEvents.Models;

/// <summary>
/// The model seam. Every role talks to text models only through this interface, so a local TorchSharp
/// model, a remote endpoint or a unit-test fake are interchangeable.
/// Implementations must be safe to call from several threads, and deterministic for a given
/// (prompt, sampling parameters, seed) on CPU.
/// </summary>
public interface ITextModel : IDisposable
{
    ModelIdentity Identity { get; }

    /// <summary>
    /// The model's chat template (instruct models); null for a base model, which the roles prompt with the paper's
    /// <c>Human:/Assistant:</c> text.
    /// </summary>
    ChatTemplate? ChatTemplate => null;

    Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores several (prompt, continuations) items; result [i] is what <see cref="ScoreAsync"/> returns for item i.
    /// The default scores the items one by one; a local model overrides it to score them all in one batch.
    /// </summary>
    async Task<IReadOnlyList<IReadOnlyList<ContinuationScore>>> ScoreManyAsync(
        IReadOnlyList<(string Prompt, IReadOnlyList<string> Continuations)> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new List<IReadOnlyList<ContinuationScore>>(items.Count);
        foreach (var (prompt, continuations) in items)
        {
            results.Add(await ScoreAsync(prompt, continuations, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }
}
