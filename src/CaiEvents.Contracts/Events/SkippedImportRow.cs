namespace CaiEvents.Contracts.Events;

/// <summary>One line of an import file that was well-formed but unusable, and why (e.g. an empty final reply).</summary>
public sealed record SkippedImportRow(ImportOrigin Origin, string Reason);
