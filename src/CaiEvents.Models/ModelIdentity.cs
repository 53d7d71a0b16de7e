using CaiEvents.Contracts;

namespace CaiEvents.Models;

/// <summary>Identity of a loaded model, recorded in the provenance of every event it produces.</summary>
/// <param name="ModelId">URI-like id, e.g. <c>builtin:tiny</c>.</param>
/// <param name="CheckpointHash">sha256 (lower-case hex) of the weights.</param>
/// <param name="Served">For a remote model: what its server says about it (<c>/v1/models</c>); null for local models.</param>
/// <param name="Adapter">For a base model with a LoRA adapter: both hashes (<see cref="CheckpointHash"/> combines them); null otherwise.</param>
public sealed record ModelIdentity(string ModelId, string CheckpointHash, ServedModel? Served = null, Lora.AdapterProvenance? Adapter = null);
