using static TorchSharp.torch;

namespace CaiEvents.Models.Lora;

/// <summary>
/// A base checkpoint loaded with an adapter attached (<see cref="PeftAdapter.Load"/>), and the tensors of the adapter's
/// <c>modules_to_save</c> under their in-memory names (e.g. <c>score.weight</c>; empty for a causal LM's adapter; the caller disposes them).
/// </summary>
public sealed record LoadedAdapterModel(
    ILocalArchitecture Architecture, LoadedCheckpoint Base, LoraAdapters Adapters, AdapterProvenance Provenance,
    IReadOnlyDictionary<string, Tensor> SavedModules);
