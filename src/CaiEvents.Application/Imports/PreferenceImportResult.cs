using CaiEvents.Domain.Preferences;

namespace CaiEvents.Application.Imports;

/// <summary>What <c>cai import preferences</c> did.</summary>
/// <param name="Added">Comparisons written now.</param>
/// <param name="Existing">Comparisons already in the run from an earlier import.</param>
/// <param name="Skipped">Unusable lines left out (only with <c>--skip-invalid</c>), in file order.</param>
/// <param name="SkipRecordWritten">Whether the event recording <paramref name="Skipped"/> was written now (false: none needed, or already there).</param>
public sealed record PreferenceImportResult(int Added, int Existing, IReadOnlyList<UnusablePreferenceRow> Skipped, bool SkipRecordWritten);
