using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// A safetensors file opened for reading one tensor at a time, so a checkpoint can be loaded straight into a model's
/// parameters without first holding every tensor of the file (<see cref="SafeTensors.Read"/> reads them all).
/// </summary>
public sealed class SafeTensorsReader : IDisposable
{
    private readonly FileStream stream;
    private readonly Dictionary<string, SafeTensors.Entry> entries;
    private readonly long dataStart;

    private SafeTensorsReader(string path, FileStream stream, List<SafeTensors.Entry> entries, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Path = path;
        this.stream = stream;
        this.entries = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        this.dataStart = dataStart;
        Metadata = metadata;
        Entries = entries.OrderBy(e => e.Begin).ThenBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => new SafeTensorsEntry(e.Name, e.DType.Type, e.Shape)).ToList();
    }

    /// <summary>The file, for error messages.</summary>
    public string Path { get; }

    /// <summary>The file's tensors in the order their data appears.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and reads its header (not its tensors).</summary>
    /// <exception cref="CheckpointFormatException">Missing or malformed file; the message names the file and the tensor.</exception>
    public static SafeTensorsReader Open(string path)
    {
        SafeTensors.EnsureLittleEndian();
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        var stream = File.OpenRead(path);
        try
        {
            var (entries, metadata, dataStart) = SafeTensors.ReadHeader(stream, path);
            return new SafeTensorsReader(path, stream, entries, metadata, dataStart);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new CPU tensor of the file's dtype (outside any dispose scope).</summary>
    public Tensor Read(string name)
    {
        var entry = Find(name);
        var tensor = empty(entry.Shape, entry.DType.Type).DetachFromDisposeScope();
        try
        {
            ReadBytes(entry, tensor);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        return tensor;
    }

    /// <summary>
    /// Copies tensor <paramref name="name"/> into <paramref name="target"/> (same shape; any dtype and device: converted as
    /// <c>copy_</c> converts). A contiguous CPU target of the file's dtype is read into directly; otherwise through one
    /// temporary tensor of this one tensor's size.
    /// </summary>
    public void ReadInto(string name, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var entry = Find(name);
        if (!target.shape.SequenceEqual(entry.Shape))
        {
            throw new CheckpointFormatException(Path, name,
                $"shape [{string.Join(", ", entry.Shape)}] does not match the expected [{string.Join(", ", target.shape)}]");
        }
        using var noGrad = no_grad();
        if (target.dtype == entry.DType.Type && target.device_type == DeviceType.CPU && target.is_contiguous())
        {
            ReadBytes(entry, target);
            return;
        }
        using var temporary = Read(name);
        target.copy_(temporary);
    }

    public void Dispose() => stream.Dispose();

    private SafeTensors.Entry Find(string name) =>
        entries.TryGetValue(name, out var entry) ? entry : throw new CheckpointFormatException(Path, name, "not in this file");

    private void ReadBytes(SafeTensors.Entry entry, Tensor tensor)
    {
        if (entry.End > entry.Begin)
        {
            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(tensor.bytes);
        }
    }
}
