namespace CaiEvents.Models;

/// <summary>Identity of a loaded model, recorded in the provenance of every event it produces.</summary>
/// <param name="ModelId">URI-like id, e.g. <c>builtin:tiny</c>.</param>
/// <param name="CheckpointHash">sha256 (lower-case hex) of the weights.</param>
public sealed record ModelIdentity(string ModelId, string CheckpointHash);
