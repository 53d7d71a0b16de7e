namespace CaiEvents.Models.Preference;

/// <summary>The base checkpoint a reward model's LoRA adapter is saved against: its directory and its checkpoint hash.</summary>
public sealed record AdapterBase(string Directory, string CheckpointHash);
