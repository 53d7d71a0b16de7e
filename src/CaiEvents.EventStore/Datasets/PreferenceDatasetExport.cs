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
    /// <param name="asOf">Event sequence to load the dataset as of (folded from the events); null = now, from the read models.</param>
    public static async Task<IReadOnlyList<PreferenceExample>> LoadAsync(IQuerySession session, Guid runId, CancellationToken ct, long? asOf = null)
    {
        var comparisons = asOf is { } limit
            ? await PointInTime.ComparisonsAsync(session, runId, limit, ct)
            : await RunQueries.ComparisonsAsync(session, runId, ct);
        var ai = comparisons
            .Where(c => c.Status == ComparisonStatus.Labelled)
            .Select(c => c.ProbabilityA >= 0.5
                ? new PreferenceExample(c.Prompt, c.A!.Text, c.B!.Text, c.ProbabilityA!.Value, c.LabelId!.Value, "ai", c.Id)
                : new PreferenceExample(c.Prompt, c.B!.Text, c.A!.Text, 1 - c.ProbabilityA!.Value, c.LabelId!.Value, "ai", c.Id));
        // Both stored versions: version-1 events are upcast to the current shape on read.
        var names = EventVersions.PreferenceImportedNames.ToArray();
        var imports = session.Events.QueryAllRawEvents().Where(e => names.Contains(e.EventTypeName));
        if (asOf is { } last) imports = imports.Where(e => e.Sequence <= last);
        var human = (await imports.ToListAsync(ct)).Select(e => (PreferenceImported)e.Data).Where(e => e.RunId == runId)
            .OrderBy(e => e.Origin.File, StringComparer.Ordinal).ThenBy(e => e.Origin.Line)
            .Select(e => new PreferenceExample(e.Prompt, e.Chosen, e.Rejected, 1.0, e.PairId, "human", e.PairId));
        return ai.Concat(human).ToList();
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it, so a failed export leaves nothing half-written.</summary>
    public static async Task<int> WriteFileAsync(IQuerySession session, Guid runId, string path, CancellationToken ct, long? asOf = null,
        DatasetExportOptions? options = null)
    {
        options ??= DatasetExportOptions.Default;
        var examples = await LoadAsync(session, runId, ct, asOf);
        return await DatasetFile.WriteAsync(path, examples, options, PreferenceJsonlFormat.WriteLine, PreferenceTextRow.From,
            PreferenceConversationalRow.From, ct);
    }
}
