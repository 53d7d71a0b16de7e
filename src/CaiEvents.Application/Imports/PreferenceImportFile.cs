using System.Globalization;
using CaiEvents.Application.Hosts;
using CaiEvents.Domain;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Imports;

/// <summary>
/// <c>cai import preferences</c>: a file of human comparisons into a run, validated whole first; re-importing adds nothing.
/// Malformed lines always fail the whole file. Well-formed but unusable lines (an empty final reply, differing conversation
/// prefixes, identical texts) fail it too unless <c>skipInvalid</c>: then the rest is imported and the skipped lines are
/// recorded in a <see cref="Contracts.Events.PreferenceImportRowsSkipped"/> event.
/// </summary>
public static class PreferenceImportFile
{
    public static async Task<PreferenceImportResult> ImportAsync(IConfiguration configuration, Guid runId, string path, bool skipInvalid,
        CancellationToken ct)
    {
        var file = PreferenceImportLoader.LoadFileWithUnusableRows(path);
        if (file.Unusable.Count > 0 && !skipInvalid)
        {
            var first = file.Unusable[0];
            throw new InputException(path, first.LineNumber, string.Create(CultureInfo.InvariantCulture,
                $"{first.Reason} ({file.Unusable.Count} unusable line(s) in the file; --skip-invalid imports the rest and records them as skipped)"));
        }
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        await using (var session = store.QuerySession())
            if (await RunQueries.LoadRunAsync(session, runId, ct) is null) throw new UsageException($"run {runId} does not exist");
        var (added, existing, written) = await PreferenceImport.ImportAsync(store, runId, path, file, TimeProvider.System, ct);
        return new PreferenceImportResult(added, existing, file.Unusable, written);
    }
}
