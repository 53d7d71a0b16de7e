using System.Runtime.InteropServices;
using System.Text;

namespace CaiEvents.Models.Gguf;

/// <summary>Reads a GGUF file's header (metadata and tensor infos) and, on request, one F32/F16 tensor's values.</summary>
public static class GgufReader
{
    /// <summary>Strings and arrays longer than this are refused before anything is allocated for them.</summary>
    private const ulong MaxLength = 1UL << 31;

    /// <exception cref="CheckpointFormatException">Missing file, wrong magic or version, truncated or malformed header.</exception>
    public static GgufFile ReadHeader(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadUInt32() != GgufWriter.Magic)
            {
                throw new CheckpointFormatException(path, null, "not a GGUF file (magic is not 'GGUF')");
            }
            var version = reader.ReadUInt32();
            if (version is not (2 or 3))
            {
                throw new CheckpointFormatException(path, null, $"GGUF version {version} is not supported (2 or 3)");
            }
            var tensorCount = CheckedLength(reader.ReadUInt64(), path, "tensor count");
            var metadataCount = CheckedLength(reader.ReadUInt64(), path, "metadata count");
            var metadata = new OrderedDictionary<string, GgufMetadataValue>(StringComparer.Ordinal);
            for (var i = 0; i < metadataCount; i++)
            {
                var key = ReadString(reader, path);
                var type = (GgufValueType)reader.ReadUInt32();
                metadata[key] = ReadValue(reader, type, path, key);
            }
            var alignment = metadata.TryGetValue(GgufWriter.AlignmentKey, out var a) ? (uint)a.AsInteger() : GgufWriter.DefaultAlignment;
            var tensors = new List<GgufTensorInfo>(tensorCount);
            for (var i = 0; i < tensorCount; i++)
            {
                var name = ReadString(reader, path);
                var dimCount = reader.ReadUInt32();
                if (dimCount is 0 or > 4)
                {
                    throw new CheckpointFormatException(path, name, $"{dimCount} dimensions (GGUF allows 1 to 4)");
                }
                var dims = new long[dimCount];
                for (var d = 0; d < dimCount; d++)
                {
                    dims[d] = checked((long)reader.ReadUInt64());
                }
                var type = (GgmlType)reader.ReadUInt32();
                var offset = reader.ReadUInt64();
                if (offset % alignment != 0)
                {
                    throw new CheckpointFormatException(path, name, $"data offset {offset} is not a multiple of the alignment {alignment}");
                }
                tensors.Add(new GgufTensorInfo(name, dims, type, offset));
            }
            var dataOffset = (stream.Position + alignment - 1) / alignment * alignment;
            return new GgufFile(version, metadata, tensors, alignment, dataOffset);
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointFormatException(path, null, "file ends inside the GGUF header");
        }
    }

    /// <summary>The values of an F32 or F16 tensor as float32, row-major in its PyTorch shape.</summary>
    public static float[] ReadTensor(string path, GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Type is not (GgmlType.F32 or GgmlType.F16))
        {
            throw new CheckpointFormatException(path, tensor.Name, $"ggml type {(uint)tensor.Type} is not F32 or F16");
        }
        using var stream = File.OpenRead(path);
        var start = file.DataOffset + (long)tensor.Offset;
        if (start + tensor.ByteSize > stream.Length)
        {
            throw new CheckpointFormatException(path, tensor.Name, "data runs past the end of the file");
        }
        stream.Position = start;
        var values = new float[tensor.ElementCount];
        if (tensor.Type == GgmlType.F32)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }
        var halves = new Half[tensor.ElementCount];
        stream.ReadExactly(MemoryMarshal.AsBytes(halves.AsSpan()));
        for (var i = 0; i < halves.Length; i++)
        {
            values[i] = (float)halves[i];
        }
        return values;
    }

    private static int CheckedLength(ulong value, string path, string what) =>
        value <= int.MaxValue ? (int)value : throw new CheckpointFormatException(path, null, $"{what} {value} is too large");

    private static string ReadString(BinaryReader reader, string path)
    {
        var length = reader.ReadUInt64();
        if (length > MaxLength)
        {
            throw new CheckpointFormatException(path, null, $"string of {length} bytes is too long");
        }
        return Encoding.UTF8.GetString(reader.ReadBytes((int)length) is { } bytes && bytes.Length == (int)length
            ? bytes : throw new EndOfStreamException());
    }

    private static GgufMetadataValue ReadValue(BinaryReader reader, GgufValueType type, string path, string key)
    {
        if (type != GgufValueType.Array)
        {
            return new GgufMetadataValue(type, ReadScalar(reader, type, path, key));
        }
        var elementType = (GgufValueType)reader.ReadUInt32();
        var count = reader.ReadUInt64();
        if (count > MaxLength || elementType == GgufValueType.Array)
        {
            throw new CheckpointFormatException(path, null, $"metadata '{key}': array of {count} {elementType} values is not supported");
        }
        var array = Array.CreateInstance(ClrType(elementType, path, key), (int)count);
        for (var i = 0; i < (int)count; i++)
        {
            array.SetValue(ReadScalar(reader, elementType, path, key), i);
        }
        return GgufMetadataValue.Array(elementType, array);
    }

    private static Type ClrType(GgufValueType type, string path, string key) =>
        Enum.IsDefined(type) && type != GgufValueType.Array
            ? GgufMetadataValue.ClrType(type)
            : throw new CheckpointFormatException(path, null, $"metadata '{key}' has unknown value type {(uint)type}");

    private static object ReadScalar(BinaryReader reader, GgufValueType type, string path, string key) => type switch
    {
        GgufValueType.UInt8 => reader.ReadByte(),
        GgufValueType.Int8 => reader.ReadSByte(),
        GgufValueType.UInt16 => reader.ReadUInt16(),
        GgufValueType.Int16 => reader.ReadInt16(),
        GgufValueType.UInt32 => reader.ReadUInt32(),
        GgufValueType.Int32 => reader.ReadInt32(),
        GgufValueType.Float32 => reader.ReadSingle(),
        GgufValueType.Bool => reader.ReadByte() != 0,
        GgufValueType.String => ReadString(reader, path),
        GgufValueType.UInt64 => reader.ReadUInt64(),
        GgufValueType.Int64 => reader.ReadInt64(),
        GgufValueType.Float64 => reader.ReadDouble(),
        _ => throw new CheckpointFormatException(path, null, $"metadata '{key}' has unknown value type {(uint)type}"),
    };
}
