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
        await session.SaveChangesAsync(ct);
        return (added, existing);
    }
}
