namespace CaiEvents.Contracts.Events;

/// <summary>
/// The lines of a preference import file that <c>--skip-invalid</c> left out, each with its file, line and reason. It is the
/// only event of its own stream (<see cref="ImportId"/>, derived from the run and the file's SHA-256), so importing the same
/// content again, under any name, records nothing more; the run's own stream is left as the workers write it.
/// </summary>
public sealed record PreferenceImportRowsSkipped(
    Guid ImportId,
    Guid RunId,
    string File,
    string FileSha256,
    IReadOnlyList<SkippedImportRow> Rows,
    DateTimeOffset RecordedAt);
