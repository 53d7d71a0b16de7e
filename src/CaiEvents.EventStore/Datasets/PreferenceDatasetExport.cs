using System.Runtime.CompilerServices;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>One preference example: TRL's reward/DPO shape plus the soft target and where it came from.</summary>
public sealed record PreferenceExample(string Prompt, string Chosen, string Rejected, double Score, Guid LabelId, string Source, Guid PairId);

/// <summary>
/// The preference dataset of a run: AI labels (the response with P ≥ ½ is <c>chosen</c>, and <c>score</c> is the
/// soft target for it) followed by imported human comparisons (score 1), in a stable order. This class reads; the row
/// formats live in <see cref="PreferenceJsonlFormat"/>, <see cref="PreferenceTextRow"/> and <see cref="PreferenceConversationalRow"/>.
/// </summary>
public static class PreferenceDatasetExport
{
    /// <summary>The examples, a batch at a time: the AI-labelled comparisons in prompt order, then the human comparisons in file order.</summary>
    /// <param name="asOf">Event sequence to load the dataset as of (folded from the events); null = now, from the read models.</param>
    public static async IAsyncEnumerable<IReadOnlyList<PreferenceExample>> BatchesAsync(IQuerySession session, Guid runId, long? asOf, int batchSize,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var comparisons = asOf is { } limit
            ? PointInTime.ComparisonBatchesAsync(session, runId, limit, batchSize, ct)
            : RunItemBatches.ComparisonsAsync(session, runId, batchSize, ct);
        await foreach (var batch in comparisons)
        {
            var ai = batch
                .Where(c => c.Status == ComparisonStatus.Labelled)
                .Select(c => c.ProbabilityA >= 0.5
                    ? new PreferenceExample(c.Prompt, c.A!.Text, c.B!.Text, c.ProbabilityA!.Value, c.LabelId!.Value, "ai", c.Id)
                    : new PreferenceExample(c.Prompt, c.B!.Text, c.A!.Text, 1 - c.ProbabilityA!.Value, c.LabelId!.Value, "ai", c.Id))
                .ToList();
            if (ai.Count > 0) yield return ai;
        }
        await foreach (var batch in ImportedPreferenceBatches.BatchesAsync(session, runId, asOf, batchSize, ct))
            yield return batch.Select(e => new PreferenceExample(e.Prompt, e.Chosen, e.Rejected, 1.0, e.PairId, "human", e.PairId)).ToList();
    }

    /// <summary>Every example in memory at once: for small runs and tests; exports stream through <see cref="BatchesAsync"/>.</summary>
    public static async Task<IReadOnlyList<PreferenceExample>> LoadAsync(IQuerySession session, Guid runId, CancellationToken ct, long? asOf = null)
    {
        var examples = new List<PreferenceExample>();
        await foreach (var batch in BatchesAsync(session, runId, asOf, RunItemBatches.DefaultBatchSize, ct)) examples.AddRange(batch);
        return examples;
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it, so a failed export leaves nothing half-written.</summary>
    public static Task<int> WriteFileAsync(IQuerySession session, Guid runId, string path, CancellationToken ct, long? asOf = null,
        DatasetExportOptions? options = null)
    {
        options ??= DatasetExportOptions.Default;
        return DatasetFile.WriteAsync(path, BatchesAsync(session, runId, asOf, options.BatchSize, ct), options, PreferenceJsonlFormat.WriteLine,
            PreferenceTextRow.From, PreferenceConversationalRow.From, ct);
    }
}
