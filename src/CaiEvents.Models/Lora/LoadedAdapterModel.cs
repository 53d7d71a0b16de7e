namespace CaiEvents.Models.Lora;

/// <summary>A base checkpoint loaded with an adapter attached (<see cref="PeftAdapter.Load"/>).</summary>
public sealed record LoadedAdapterModel(
    ILocalArchitecture Architecture, LoadedCheckpoint Base, LoraAdapters Adapters, AdapterProvenance Provenance);
