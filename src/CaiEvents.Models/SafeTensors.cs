using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// Reader and writer for the safetensors format: an 8-byte little-endian header length, a JSON header
/// <c>{name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}</c>, then the raw
/// little-endian tensor bytes. Writing is deterministic (tensors sorted by name, fixed JSON layout),
/// so the same weights always give the same bytes and the same sha256. <see cref="SafeTensorsReader"/> reads one tensor at a time.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>The reference implementation refuses headers above 100 MB; so do we, before allocating one.</summary>
    private const long MaxHeaderLength = 100_000_000;

    private static readonly (string Name, ScalarType Type, int Size)[] DTypes =
    [
        ("F64", ScalarType.Float64, 8), ("F32", ScalarType.Float32, 4), ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2), ("I64", ScalarType.Int64, 8), ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2), ("I8", ScalarType.Int8, 1), ("U8", ScalarType.Byte, 1), ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>Reads every tensor of <paramref name="path"/> onto the CPU.</summary>
    /// <exception cref="CheckpointFormatException">Missing or malformed file; the message names the file and the tensor.</exception>
    public static SafeTensorsFile Read(string path)
    {
        EnsureLittleEndian();
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        using var stream = File.OpenRead(path);
        var (entries, metadata, dataStart) = ReadHeader(stream, path);
        var tensors = new OrderedDictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.Name, StringComparer.Ordinal))
            {
                // Allocated outside any caller's dispose scope: the returned file owns its tensors.
                var tensor = empty(entry.Shape, entry.DType.Type).DetachFromDisposeScope();
                tensors.Add(entry.Name, tensor);
                stream.Position = dataStart + entry.Begin;
                if (entry.End > entry.Begin)
                {
                    stream.ReadExactly(tensor.bytes);
                }
            }
        }
        catch
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
            throw;
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>Writes <paramref name="tensors"/> (any device; copied to the CPU) to <paramref name="path"/>, replacing it.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Write(stream, tensors, metadata);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes the safetensors bytes of <paramref name="tensors"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var header = BuildHeader(names, tensors, metadata);
        Span<byte> length = stackalloc byte[8];
        BitConverter.TryWriteBytes(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var name in names)
        {
            using var scope = NewDisposeScope();
            var cpuTensor = tensors[name].detach().cpu().contiguous();
            if (cpuTensor.NumberOfElements > 0)
            {
                stream.Write(cpuTensor.bytes);
            }
        }
    }

    private static byte[] BuildHeader(List<string> names, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in names)
            {
                if (string.IsNullOrEmpty(name) || name == MetadataKey)
                {
                    throw new ArgumentException($"Invalid safetensors tensor name '{name}'.", nameof(tensors));
                }
                var tensor = tensors[name];
                var dtype = DTypes.FirstOrDefault(d => d.Type == tensor.dtype);
                if (dtype.Name is null)
                {
                    throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which safetensors writing does not support here.", nameof(tensors));
                }
                var size = tensor.NumberOfElements * dtype.Size;
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.Name);
                json.WriteStartArray("shape");
                foreach (var dim in tensor.shape)
                {
                    json.WriteNumberValue(dim);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + size);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += size;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        var padding = (int)((8 - buffer.Length % 8) % 8);
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }

    internal sealed record Entry(string Name, (string Name, ScalarType Type, int Size) DType, long[] Shape, long Begin, long End);

    internal static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(Stream stream, string path)
    {
        var fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new CheckpointFormatException(path, null, $"file is {fileLength} bytes, too short for the 8-byte header length");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new CheckpointFormatException(path, null, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");
        }
        if (headerLength > MaxHeaderLength)
        {
            throw new CheckpointFormatException(path, null, $"header length {headerLength} exceeds the {MaxHeaderLength}-byte limit");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, null, $"header is not valid JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, null, "header is not a JSON object");
            }
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, path);
                    continue;
                }
                entries.Add(ReadEntry(property.Name, property.Value, dataLength, path));
            }
            return (entries, metadata, dataStart);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string path)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, null, "__metadata__ is not an object");
        }
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(path, null, $"__metadata__ value for '{item.Name}' is not a string");
            }
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ReadEntry(string name, JsonElement element, long dataLength, string path)
    {
        CheckpointFormatException Bad(string problem) => new(path, name, problem);

        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !element.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
        {
            throw Bad("header entry needs a string 'dtype' and arrays 'shape' and 'data_offsets'");
        }
        var dtypeName = dtypeElement.GetString();
        var dtype = DTypes.FirstOrDefault(d => d.Name == dtypeName);
        if (dtype.Name is null)
        {
            throw Bad($"unknown dtype '{dtypeName}' (supported: {string.Join(", ", DTypes.Select(d => d.Name))})");
        }
        var shape = new List<long>();
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var d) || d < 0)
            {
                throw Bad($"shape {shapeElement.GetRawText()} must hold non-negative integers");
            }
            shape.Add(d);
        }
        var offsets = offsetsElement.EnumerateArray().ToList();
        if (offsets.Count != 2 || offsets.Any(o => o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out var v) || v < 0))
        {
            throw Bad($"data_offsets {offsetsElement.GetRawText()} must be two non-negative integers");
        }
        long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
        if (end < begin)
        {
            throw Bad($"data_offsets [{begin}, {end}] are out of order");
        }
        if (end > dataLength)
        {
            throw Bad($"data_offsets [{begin}, {end}] run past the end of the data section ({dataLength} bytes): file truncated or offsets out of range");
        }
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (a, b) => a * b) * dtype.Size);
        }
        catch (OverflowException)
        {
            throw Bad($"shape [{string.Join(", ", shape)}] is too large");
        }
        if (expected != end - begin)
        {
            throw Bad($"shape [{string.Join(", ", shape)}] of {dtype.Name} needs {expected} bytes but data_offsets [{begin}, {end}] span {end - begin}");
        }
        if (expected > int.MaxValue)
        {
            throw Bad($"tensor of {expected} bytes is larger than this reader supports (2 GiB)");
        }
        return new Entry(name, dtype, shape.ToArray(), begin, end);
    }

    internal static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors I/O here assumes a little-endian host.");
        }
    }
}
