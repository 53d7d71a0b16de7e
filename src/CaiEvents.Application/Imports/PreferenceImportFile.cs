using CaiEvents.Application.Hosts;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Imports;

/// <summary><c>cai import preferences</c>: a file of human comparisons into a run, validated whole first; re-importing adds nothing.</summary>
public static class PreferenceImportFile
{
    /// <returns>How many comparisons were added, and how many were already there.</returns>
    public static async Task<(int Added, int Existing)> ImportAsync(IConfiguration configuration, Guid runId, string path, CancellationToken ct)
    {
        var records = PreferenceImportLoader.LoadFile(path);
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        await using (var session = store.QuerySession())
            if (await RunQueries.LoadRunAsync(session, runId, ct) is null) throw new UsageException($"run {runId} does not exist");
        return await PreferenceImport.ImportAsync(store, runId, path, records, TimeProvider.System, ct);
    }
}
