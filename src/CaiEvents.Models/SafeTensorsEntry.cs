using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>One tensor as a safetensors header describes it: name, element type and shape.</summary>
public sealed record SafeTensorsEntry(string Name, ScalarType DType, IReadOnlyList<long> Shape);
