using System.CommandLine;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai import preferences</c>: human-labelled comparisons (HH-RLHF shape) into a run's preference data.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var file = new Option<FileInfo>("--file") { Description = "JSONL: {\"prompt\", \"chosen\", \"rejected\", \"id\"?} or HH-RLHF {\"chosen\", \"rejected\"} transcripts", Required = true };
        var run = new Option<string>("--run") { Description = "Run the comparisons belong to", Required = true };
        var preferences = new Command("preferences", "Import human preference comparisons (validated first; all or nothing; re-importing adds nothing).") { file, run };
        preferences.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var path = parse.GetValue(file)!.FullName;
            var records = PreferenceImportLoader.LoadFile(path);
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            await using (var session = store.QuerySession())
                if (await RunQueries.LoadRunAsync(session, runId, ct) is null) throw new UsageException($"run {runId} does not exist");
            var (added, existing) = await PreferenceImport.ImportAsync(store, runId, path, records, TimeProvider.System, ct);
            Console.WriteLine($"{added} imported, {existing} already there");
            return Cli.ExitOk;
        });
        return new Command("import", "Import external data into the event store.") { preferences };
    }
}
