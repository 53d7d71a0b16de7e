namespace CaiEvents.Domain.Preferences;

/// <summary>A well-formed comparison line that cannot be used (an empty final reply, differing prefixes, identical texts).</summary>
/// <param name="LineNumber">1-based line in its file.</param>
/// <param name="Id">The <c>id</c> from the file, or <c>line-{LineNumber}</c> when absent.</param>
/// <param name="Reason">Why the line cannot be used, one line without the file and line prefix.</param>
public sealed record UnusablePreferenceRow(int LineNumber, string Id, string Reason);
