namespace CaiEvents.Models.Lora;

/// <summary>
/// Where a base + adapter model comes from: the base directory and its checkpoint hash, and the sha256 of
/// <c>adapter_model.safetensors</c>. The model's checkpoint hash is <see cref="PeftAdapter.CombinedSha256"/> of the two.
/// </summary>
public sealed record AdapterProvenance(string BaseDirectory, string BaseCheckpointHash, string AdapterSha256)
{
    /// <summary>The combined checkpoint hash.</summary>
    public string CheckpointHash => PeftAdapter.CombinedSha256(BaseCheckpointHash, AdapterSha256);
}
