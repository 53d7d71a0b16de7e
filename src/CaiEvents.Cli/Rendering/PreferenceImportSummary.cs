using System.Globalization;
using CaiEvents.Application.Imports;

namespace CaiEvents.Cli.Rendering;

/// <summary>The summary of <c>cai import preferences</c>: counts on stdout, the skipped lines and their reasons on stderr.</summary>
public static class PreferenceImportSummary
{
    /// <summary>At most this many skipped lines are listed; all of them are in the recorded event.</summary>
    public const int MaxListed = 20;

    public static void Write(string path, PreferenceImportResult result, TextWriter stdout, TextWriter stderr)
    {
        var counts = $"{result.Added} imported, {result.Existing} already there";
        stdout.WriteLine(result.Skipped.Count == 0 ? counts : string.Create(CultureInfo.InvariantCulture, $"{counts}, {result.Skipped.Count} skipped"));
        if (result.Skipped.Count == 0) return;
        foreach (var row in result.Skipped.Take(MaxListed))
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"skipped {path}:{row.LineNumber}: {row.Reason}"));
        if (result.Skipped.Count > MaxListed)
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"... and {result.Skipped.Count - MaxListed} more skipped lines"));
        stderr.WriteLine(result.SkipRecordWritten
            ? "the skipped lines are recorded in a PreferenceImportRowsSkipped event"
            : "the skipped lines were already recorded by an earlier import of the same content");
    }
}
