using System.Runtime.InteropServices;
using System.Text;

namespace CaiEvents.Models.Gguf;

/// <summary>
/// Writes a GGUF v3 file in one pass: declare metadata and tensors (name, PyTorch shape, type), write the header, then
/// hand over each tensor's values in declaration order. Only one tensor's data is ever held, so converting a model
/// never needs the whole model in memory. Layout: magic "GGUF", version, tensor count, metadata count, metadata,
/// tensor infos (dims innermost first, offsets relative to the data section), padding to <c>general.alignment</c>,
/// then each tensor's data padded to the same alignment.
/// </summary>
public sealed class GgufWriter : IDisposable
{
    public const uint Version = 3;
    public const uint DefaultAlignment = 32;
    public const string AlignmentKey = "general.alignment";

    /// <summary>"GGUF" as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    private readonly BinaryWriter writer;
    private readonly uint alignment;
    private readonly List<(string Key, GgufMetadataValue Value)> metadata = [];
    private readonly List<GgufTensorInfo> tensors = [];
    private long dataStart = -1;

    /// <summary>Bytes written so far; counted rather than asked of a possibly unseekable stream.</summary>
    private long position;
    private int written;

    /// <param name="stream">Receives the bytes; left open. Need not be seekable.</param>
    public GgufWriter(Stream stream, uint alignment = DefaultAlignment)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "GGUF alignment must be a power of two.");
        }
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("GGUF writing here assumes a little-endian host.");
        }
        writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        this.alignment = alignment;
        metadata.Add((AlignmentKey, GgufMetadataValue.UInt32(alignment)));
    }

    /// <summary>Tensors declared so far, with their data offsets.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => tensors;

    public void AddMetadata(string key, GgufMetadataValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        EnsureHeaderOpen();
        if (key == AlignmentKey || metadata.Any(m => m.Key == key))
        {
            throw new ArgumentException($"GGUF metadata key '{key}' is already set.", nameof(key));
        }
        metadata.Add((key, value));
    }

    /// <summary>Declares a tensor; its data follows later through <see cref="WriteTensorData"/>, in declaration order.</summary>
    /// <param name="torchShape">PyTorch shape (outermost first); written reversed, as ggml orders dimensions.</param>
    public void AddTensor(string name, IReadOnlyList<long> torchShape, GgmlType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(torchShape);
        EnsureHeaderOpen();
        if (torchShape.Count is 0 or > 4 || torchShape.Any(d => d <= 0))
        {
            throw new ArgumentException($"Tensor '{name}': GGUF needs 1 to 4 positive dimensions, got [{string.Join(", ", torchShape)}].");
        }
        if (tensors.Any(t => t.Name == name))
        {
            throw new ArgumentException($"Tensor '{name}' is already declared.", nameof(name));
        }
        var offset = tensors.Count == 0 ? 0UL : Align(tensors[^1].Offset + (ulong)tensors[^1].ByteSize);
        tensors.Add(new GgufTensorInfo(name, torchShape.Reverse().ToArray(), type, offset));
    }

    /// <summary>Writes everything up to the start of the data section; no metadata or tensor can be added afterwards.</summary>
    public void WriteHeader()
    {
        EnsureHeaderOpen();
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write((ulong)tensors.Count);
        writer.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(key);
            writer.Write((uint)value.Type);
            WriteValue(value);
        }
        foreach (var tensor in tensors)
        {
            WriteString(tensor.Name);
            writer.Write((uint)tensor.Dimensions.Count);
            foreach (var dim in tensor.Dimensions)
            {
                writer.Write((ulong)dim);
            }
            writer.Write((uint)tensor.Type);
            writer.Write(tensor.Offset);
        }
        position = HeaderLength();
        Pad();
        dataStart = position;
    }

    /// <summary>The next declared tensor's values (row-major in its PyTorch shape), converted to its type.</summary>
    public void WriteTensorData(ReadOnlySpan<float> values)
    {
        if (dataStart < 0)
        {
            throw new InvalidOperationException("Write the GGUF header before tensor data.");
        }
        if (written >= tensors.Count)
        {
            throw new InvalidOperationException("Every declared tensor has been written already.");
        }
        var tensor = tensors[written];
        if (values.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' has {tensor.ElementCount} elements, got {values.Length}.", nameof(values));
        }
        if (position != dataStart + (long)tensor.Offset)
        {
            throw new InvalidOperationException($"Tensor '{tensor.Name}' would not start at its declared offset.");
        }
        if (tensor.Type == GgmlType.F32)
        {
            writer.Write(MemoryMarshal.AsBytes(values));
        }
        else
        {
            // Converted in chunks so an F16 file needs no second full copy of the tensor.
            Span<Half> chunk = stackalloc Half[4096];
            for (var start = 0; start < values.Length; start += chunk.Length)
            {
                var part = values.Slice(start, Math.Min(chunk.Length, values.Length - start));
                for (var i = 0; i < part.Length; i++)
                {
                    chunk[i] = (Half)part[i];
                }
                writer.Write(MemoryMarshal.AsBytes(chunk[..part.Length]));
            }
        }
        position += tensor.ByteSize;
        Pad();
        written++;
    }

    /// <summary>Checks that every declared tensor was written and flushes.</summary>
    public void Finish()
    {
        if (dataStart < 0)
        {
            WriteHeader();
        }
        if (written != tensors.Count)
        {
            throw new InvalidOperationException($"Only {written} of {tensors.Count} declared tensors were written (next: '{tensors[written].Name}').");
        }
        writer.Flush();
    }

    public void Dispose() => writer.Dispose();

    private ulong Align(ulong offset) => (offset + alignment - 1) / alignment * alignment;

    private void Pad()
    {
        var padding = (long)Align((ulong)position) - position;
        for (var i = 0; i < padding; i++)
        {
            writer.Write((byte)0);
        }
        position += padding;
    }

    private void EnsureHeaderOpen()
    {
        if (dataStart >= 0)
        {
            throw new InvalidOperationException("The GGUF header has been written already.");
        }
    }

    /// <summary>Bytes that <see cref="WriteHeader"/> writes.</summary>
    private long HeaderLength()
    {
        long length = 4 + 4 + 8 + 8;
        foreach (var (key, value) in metadata)
        {
            length += StringLength(key) + 4 + ValueLength(value);
        }
        foreach (var tensor in tensors)
        {
            length += StringLength(tensor.Name) + 4 + 8L * tensor.Dimensions.Count + 4 + 8;
        }
        return length;
    }

    private static long StringLength(string s) => 8 + Encoding.UTF8.GetByteCount(s);

    private static long ValueLength(GgufMetadataValue value) => value.Type switch
    {
        GgufValueType.String => StringLength((string)value.Value),
        GgufValueType.Array => 4 + 8 + (value.ElementType == GgufValueType.String
            ? ((string[])value.Value).Sum(StringLength)
            : (long)((Array)value.Value).Length * ScalarSize(value.ElementType)),
        _ => ScalarSize(value.Type),
    };

    private static int ScalarSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a fixed-size GGUF type"),
    };

    private void WriteString(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private void WriteValue(GgufMetadataValue value)
    {
        if (value.Type == GgufValueType.Array)
        {
            var array = (Array)value.Value;
            writer.Write((uint)value.ElementType);
            writer.Write((ulong)array.Length);
            foreach (var element in array)
            {
                WriteScalar(value.ElementType, element!);
            }
            return;
        }
        WriteScalar(value.Type, value.Value);
    }

    private void WriteScalar(GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: writer.Write((byte)value); break;
            case GgufValueType.Int8: writer.Write((sbyte)value); break;
            case GgufValueType.UInt16: writer.Write((ushort)value); break;
            case GgufValueType.Int16: writer.Write((short)value); break;
            case GgufValueType.UInt32: writer.Write((uint)value); break;
            case GgufValueType.Int32: writer.Write((int)value); break;
            case GgufValueType.Float32: writer.Write((float)value); break;
            case GgufValueType.Bool: writer.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString((string)value); break;
            case GgufValueType.UInt64: writer.Write((ulong)value); break;
            case GgufValueType.Int64: writer.Write((long)value); break;
            case GgufValueType.Float64: writer.Write((double)value); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a scalar GGUF type");
        }
    }
}
