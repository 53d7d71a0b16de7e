namespace CaiEvents.Domain.Preferences;

/// <summary>A comparison file as read by <see cref="PreferenceImportLoader.LoadFileWithUnusableRows"/>.</summary>
/// <param name="Records">The usable comparisons, in file order.</param>
/// <param name="Unusable">The well-formed lines that cannot be used, in file order.</param>
/// <param name="Sha256">SHA-256 of the file's bytes (lower-case hex): the same content gives the same value under any name.</param>
public sealed record LoadedPreferenceFile(IReadOnlyList<ImportedPreference> Records, IReadOnlyList<UnusablePreferenceRow> Unusable, string Sha256);
