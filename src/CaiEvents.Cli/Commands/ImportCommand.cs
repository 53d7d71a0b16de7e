using System.CommandLine;
using CaiEvents.Application;
using CaiEvents.Application.Imports;
using CaiEvents.Cli.Rendering;
using CaiEvents.Domain.Prompts;

namespace CaiEvents.Cli.Commands;

/// <summary>
/// <c>cai import preferences</c>: human-labelled comparisons (HH-RLHF shape) into a run's preference data;
/// <c>cai import prompts --from-transcripts</c>: a prompt set from HH-RLHF transcripts.
/// </summary>
public static class ImportCommand
{
    public static Command Create() => new("import", "Import external data into the event store.") { Preferences(), Prompts() };

    private static Command Preferences()
    {
        var file = new Option<FileInfo>("--file")
        {
            Description = "JSONL: {\"prompt\", \"chosen\", \"rejected\", \"id\"?} or HH-RLHF {\"chosen\", \"rejected\"} transcripts", Required = true,
        };
        var run = new Option<string>("--run") { Description = "Run the comparisons belong to", Required = true };
        var skipInvalid = new Option<bool>("--skip-invalid")
        {
            Description = "Skip well-formed but unusable lines (empty final reply, differing conversation prefixes, identical pair) "
                + "and record them in an event; malformed lines still fail the whole file",
        };
        var preferences = new Command("preferences",
            "Import human preference comparisons (validated first; all or nothing; re-importing adds nothing).") { file, run, skipInvalid };
        preferences.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var path = parse.GetValue(file)!.FullName;
            var result = await PreferenceImportFile.ImportAsync(Cli.Configuration(), runId, path, parse.GetValue(skipInvalid), ct);
            PreferenceImportSummary.Write(path, result, Console.Out, Console.Error);
            return Cli.ExitOk;
        });
        return preferences;
    }

    private static Command Prompts()
    {
        var transcripts = new Option<FileInfo>("--from-transcripts")
        {
            Description = "JSONL of HH-RLHF transcripts {\"chosen\": \"\\n\\nHuman: ...\\n\\nAssistant: ...\", \"rejected\": ...}", Required = true,
        };
        var output = new Option<FileInfo>("--out") { Description = "Prompt set to write (JSONL, {\"id\", \"prompt\"} per line)", Required = true };
        var turn = new Option<string>("--turn")
        {
            Description = "first (the opening human message) or last (the one the final reply answers)", DefaultValueFactory = _ => "first",
        };
        var prompts = new Command("prompts",
            "Write a prompt set from transcripts: one human turn per line, deduplicated, ids naming the source line (no database).")
        {
            transcripts, output, turn,
        };
        prompts.SetAction(parse =>
        {
            var which = parse.GetValue(turn) switch
            {
                "first" => TranscriptTurn.First,
                "last" => TranscriptTurn.Last,
                var other => throw new UsageException($"--turn: '{other}' is not one of first, last"),
            };
            var outPath = parse.GetValue(output)!.FullName;
            var set = TranscriptPromptsFile.Write(parse.GetValue(transcripts)!.FullName, outPath, which);
            Console.WriteLine($"{set.Prompts.Count} prompts written to {outPath} ({set.Duplicates} duplicates dropped)");
            return Cli.ExitOk;
        });
        return prompts;
    }
}
