using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace CaiEvents.Models.Gguf;

/// <summary>
/// The tensors of a Hugging Face checkpoint directory, read one at a time on request: <c>model.safetensors</c>, or the
/// shards that <c>model.safetensors.index.json</c> names. Only the headers are read up front, so a conversion holds at
/// most one tensor in memory.
/// </summary>
public sealed class SafeTensorsTensorSource
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    private SafeTensorsTensorSource(string directory)
    {
        Directory = directory;
    }

    /// <summary>The checkpoint directory (names it in error messages).</summary>
    public string Directory { get; }

    public IReadOnlyCollection<string> Names => entries.Keys;

    /// <exception cref="CheckpointFormatException">No weights file, a malformed index or header.</exception>
    public static SafeTensorsTensorSource Open(string directory)
    {
        var source = new SafeTensorsTensorSource(directory);
        var single = Path.Combine(directory, SingleFileName);
        var index = Path.Combine(directory, IndexFileName);
        if (File.Exists(single))
        {
            source.AddFile(single);
            return source;
        }
        if (!File.Exists(index))
        {
            throw new CheckpointFormatException(directory, null, $"neither {SingleFileName} nor {IndexFileName} found");
        }
        List<string> shards;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(index));
            shards = json.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order().ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointFormatException(index, null, $"expected an object with a 'weight_map' of tensor -> file ({e.Message})");
        }
        foreach (var shard in shards)
        {
            source.AddFile(Path.Combine(directory, Path.GetFileName(shard)));
        }
        return source;
    }

    public bool Contains(string name) => entries.ContainsKey(name);

    /// <summary>PyTorch shape of <paramref name="name"/>.</summary>
    public long[] Shape(string name) => Get(name).Shape;

    /// <summary>The tensor's values as float32 (from F32, F16 or BF16), row-major.</summary>
    public float[] ReadFloats(string name)
    {
        var entry = Get(name);
        var count = checked((int)entry.Shape.Aggregate(1L, (a, b) => a * b));
        var bytes = new byte[entry.End - entry.Begin];
        using (var stream = File.OpenRead(entry.File))
        {
            stream.Position = entry.DataStart + entry.Begin;
            stream.ReadExactly(bytes);
        }
        var values = new float[count];
        switch (entry.DType)
        {
            case "F32":
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
                break;
            case "F16":
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                for (var i = 0; i < count; i++)
                {
                    values[i] = (float)halves[i];
                }
                break;
            case "BF16":
                // bfloat16 is the upper half of a float32.
                for (var i = 0; i < count; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i)) << 16);
                }
                break;
            default:
                throw new CheckpointFormatException(entry.File, name, $"dtype {entry.DType} is not a float type (F32, F16, BF16)");
        }
        return values;
    }

    private Entry Get(string name) =>
        entries.TryGetValue(name, out var entry) ? entry : throw new KeyNotFoundException($"Checkpoint has no tensor '{name}'.");

    private void AddFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        using var stream = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (length > 100_000_000 || (long)length > stream.Length - 8)
        {
            throw new CheckpointFormatException(path, null, $"header length {length} is implausible");
        }
        var header = new byte[length];
        stream.ReadExactly(header);
        var dataStart = 8 + (long)length;
        try
        {
            using var json = JsonDocument.Parse(header);
            foreach (var item in json.RootElement.EnumerateObject())
            {
                if (item.Name == "__metadata__")
                {
                    continue;
                }
                var shape = item.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var offsets = item.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var dtype = item.Value.GetProperty("dtype").GetString()!;
                if (offsets.Length != 2 || offsets[1] < offsets[0] || dataStart + offsets[1] > stream.Length)
                {
                    throw new CheckpointFormatException(path, item.Name, "data_offsets out of range");
                }
                if (!entries.TryAdd(item.Name, new Entry(path, dtype, shape, dataStart, offsets[0], offsets[1])))
                {
                    throw new CheckpointFormatException(path, item.Name, "appears in more than one shard");
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointFormatException(path, null, $"malformed safetensors header ({e.Message})");
        }
    }

    private sealed record Entry(string File, string DType, long[] Shape, long DataStart, long Begin, long End);
}
