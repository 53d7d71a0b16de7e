namespace CaiEvents.Models.Gguf;

/// <summary>The header of a GGUF file: metadata in file order and tensor infos.</summary>
/// <param name="DataOffset">Absolute file position of the data section (tensor offsets are relative to it).</param>
public sealed record GgufFile(
    uint Version,
    OrderedDictionary<string, GgufMetadataValue> Metadata,
    IReadOnlyList<GgufTensorInfo> Tensors,
    uint Alignment,
    long DataOffset)
{
    public GgufTensorInfo Tensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"GGUF file has no tensor '{name}'.");
}
