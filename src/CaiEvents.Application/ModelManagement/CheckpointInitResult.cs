namespace CaiEvents.Application.ModelManagement;

/// <summary>What <see cref="CheckpointInitialisation.Write"/> wrote.</summary>
/// <param name="Directory">The checkpoint directory (full path); load it as <c>hf:</c> + this.</param>
/// <param name="Sha256">The checkpoint sha256, as a loaded model reports it in provenance.</param>
public sealed record CheckpointInitResult(string Directory, string Architecture, string Size, long Seed, string? ChatTemplate, string Sha256);
