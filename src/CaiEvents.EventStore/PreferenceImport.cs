using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Preferences;
using CaiEvents.Domain.Sl;
using Marten;

namespace CaiEvents.EventStore;

/// <summary>
/// Writes human-labelled comparisons into a run, one stream each with a <see cref="PreferenceImported"/> event
/// naming its file and line. Ids are derived from the run and the record, so importing the same file twice
/// adds nothing; all new records are written in one transaction.
/// </summary>
public static class PreferenceImport
{
    public static async Task<(int Added, int AlreadyThere)> ImportAsync(IDocumentStore store, Guid runId, string source,
        IReadOnlyList<ImportedPreference> records, TimeProvider clock, CancellationToken ct)
    {
        var (added, existing, _) = await ImportAsync(store, runId, source, records, skipped: null, clock, ct);
        return (added, existing);
    }

    /// <summary>
    /// Writes the usable comparisons of <paramref name="file"/> and, when it has unusable lines, one
    /// <see cref="PreferenceImportRowsSkipped"/> recording them, all in one transaction. The skip record has its own stream,
    /// keyed by the run and the file's SHA-256, so the same content imported again records nothing more.
    /// </summary>
    /// <returns>The comparisons added and already there, and whether the skip record was written now (false: none needed or already there).</returns>
    public static Task<(int Added, int AlreadyThere, bool SkipRecordWritten)> ImportAsync(IDocumentStore store, Guid runId, string source,
        LoadedPreferenceFile file, TimeProvider clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(file);
        return ImportAsync(store, runId, source, file.Records, file, clock, ct);
    }

    /// <summary>The stream of the skip record for a file's content imported into a run.</summary>
    public static Guid SkipRecordId(Guid runId, string fileSha256) => DeterministicIds.Create(runId, $"import-skipped:{fileSha256}");

    private static async Task<(int Added, int AlreadyThere, bool SkipRecordWritten)> ImportAsync(IDocumentStore store, Guid runId, string source,
        IReadOnlyList<ImportedPreference> records, LoadedPreferenceFile? skipped, TimeProvider clock, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var added = 0;
        var existing = 0;
        foreach (var r in records)
        {
            var pairId = DeterministicIds.Create(runId, $"import:{r.Id}:{r.Prompt}\u0000{r.Chosen}\u0000{r.Rejected}");
            if (await session.Events.FetchStreamStateAsync(pairId, ct) is not null)
            {
                existing++;
                continue;
            }
            session.Events.StartStream(pairId,
                new PreferenceImported(pairId, runId, r.Prompt, r.Chosen, r.Rejected, new ImportOrigin(source, r.LineNumber, r.Id), clock.GetUtcNow()));
            added++;
        }
        var skipRecordWritten = false;
        if (skipped is { Unusable.Count: > 0 })
        {
            var importId = SkipRecordId(runId, skipped.Sha256);
            if (await session.Events.FetchStreamStateAsync(importId, ct) is null)
            {
                var rows = skipped.Unusable.Select(u => new SkippedImportRow(new ImportOrigin(source, u.LineNumber, u.Id), u.Reason)).ToList();
                session.Events.StartStream(importId, new PreferenceImportRowsSkipped(importId, runId, source, skipped.Sha256, rows, clock.GetUtcNow()));
                skipRecordWritten = true;
            }
        }
        await session.SaveChangesAsync(ct);
        return (added, existing, skipRecordWritten);
    }
}
