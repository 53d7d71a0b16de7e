namespace CaiEvents.Models.Gguf;

/// <summary>A tensor's entry in a GGUF header.</summary>
/// <param name="Dimensions">Sizes in ggml order: innermost (fastest-varying) first, the reverse of a PyTorch shape.</param>
/// <param name="Offset">Start of the data, in bytes from the start of the data section (a multiple of the alignment).</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, ulong Offset)
{
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => checked(a * b));

    public long ByteSize => checked(ElementCount * ElementSize(Type));

    /// <summary>The PyTorch shape (outermost first).</summary>
    public long[] TorchShape => Dimensions.Reverse().ToArray();

    public static int ElementSize(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
    };
}
