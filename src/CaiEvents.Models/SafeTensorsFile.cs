using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>Tensors and metadata read from a safetensors file. Owns the tensors (CPU, in the file's dtypes).</summary>
public sealed class SafeTensorsFile(OrderedDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata) : IDisposable
{
    /// <summary>Tensors in the order their data appears in the file.</summary>
    public OrderedDictionary<string, Tensor> Tensors { get; } = tensors;

    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
