namespace CaiEvents.Application.ModelManagement;

/// <summary>What <see cref="AdapterMerge.Merge"/> wrote: the merged checkpoint and its sha256, and the hashes of what went into it.</summary>
/// <param name="Architecture">The base's <c>model_type</c>.</param>
/// <param name="Sha256">The merged checkpoint's hash, as <c>hf:</c> + <paramref name="Directory"/> reports it in provenance.</param>
public sealed record AdapterMergeResult(
    string Directory, string Architecture, string BaseDirectory, string BaseSha256, string AdapterSha256, string Sha256);
