using System.CommandLine;
using CaiEvents.Application.Imports;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai import preferences</c>: human-labelled comparisons (HH-RLHF shape) into a run's preference data.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var file = new Option<FileInfo>("--file")
        {
            Description = "JSONL: {\"prompt\", \"chosen\", \"rejected\", \"id\"?} or HH-RLHF {\"chosen\", \"rejected\"} transcripts", Required = true,
        };
        var run = new Option<string>("--run") { Description = "Run the comparisons belong to", Required = true };
        var preferences = new Command("preferences",
            "Import human preference comparisons (validated first; all or nothing; re-importing adds nothing).") { file, run };
        preferences.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var (added, existing) = await PreferenceImportFile.ImportAsync(Cli.Configuration(), runId, parse.GetValue(file)!.FullName, ct);
            Console.WriteLine($"{added} imported, {existing} already there");
            return Cli.ExitOk;
        });
        return new Command("import", "Import external data into the event store.") { preferences };
    }
}
