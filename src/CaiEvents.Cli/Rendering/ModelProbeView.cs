using System.Globalization;
using CaiEvents.Application.ModelManagement;
using Spectre.Console;

namespace CaiEvents.Cli.Rendering;

/// <summary><c>cai model probe</c> as a table on stdout: one row per capability, then the served-model entry and the notes.</summary>
internal static class ModelProbeView
{
    public static void Write(ModelProbeResult result)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        var table = new Table().AddColumn("capability").AddColumn("offered");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        static string YesNo(bool value) => value ? "yes" : "no";
        Row("model", result.Model + (result.Local ? " (local)" : ""));
        Row("chat", YesNo(result.Chat));
        Row("completions", YesNo(result.Completions));
        Row("echo / prompt log-probs", YesNo(result.EchoLogProbs));
        Row("top log-probs", result.TopLogProbs?.ToString(CultureInfo.InvariantCulture) ?? "all (local)");
        Row("seed", YesNo(result.Seed));
        Row("prefill", YesNo(result.Prefill));
        Row("can generate", YesNo(result.CanGenerate));
        Row("can label", YesNo(result.CanLabel));
        if (result.Served is { } served)
        {
            Row("served id", served.Id);
            if (served.OwnedBy is not null) Row("owned by", served.OwnedBy);
            if (served.Root is not null) Row("root", served.Root);
            if (served.MaxModelLength is { } length) Row("max length", length.ToString(CultureInfo.InvariantCulture));
            if (served.SystemFingerprint is not null) Row("system fingerprint", served.SystemFingerprint);
        }
        console.Write(table);
        // Plain lines, not Spectre's: a note stays one line however narrow the console.
        foreach (var note in result.Notes) Console.WriteLine("note: " + note);
    }
}
