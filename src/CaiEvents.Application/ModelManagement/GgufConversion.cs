using System.Security.Cryptography;
using CaiEvents.Models.Gguf;

namespace CaiEvents.Application.ModelManagement;

/// <summary><c>cai model convert --to gguf</c>: a Hugging Face checkpoint directory as a GGUF file llama.cpp loads (<see cref="HfToGgufConverter"/>).</summary>
public static class GgufConversion
{
    /// <summary>The <c>--to</c> values.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["gguf"];

    /// <summary>The <c>--type</c> values.</summary>
    public static IReadOnlyList<string> FileTypes { get; } = ["f32", "f16"];

    /// <summary>Converts <paramref name="hfDirectory"/> into <paramref name="outFile"/> (replaced atomically).</summary>
    /// <exception cref="UsageException">Unknown format or type, or a missing input directory or output folder.</exception>
    /// <exception cref="CaiEvents.Models.CheckpointFormatException">A malformed or unsupported checkpoint.</exception>
    public static GgufConversionResult Convert(string format, string hfDirectory, string outFile, string fileType)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(fileType);
        if (!Formats.Contains(format.ToLowerInvariant()))
            throw new UsageException($"--to: '{format}' is not one of {string.Join(", ", Formats)}");
        var type = fileType.ToLowerInvariant() switch
        {
            "f32" => GgufFileType.F32,
            "f16" => GgufFileType.F16,
            _ => throw new UsageException($"--type: '{fileType}' is not one of {string.Join(", ", FileTypes)}"),
        };
        if (!Directory.Exists(hfDirectory)) throw new UsageException($"--in: directory '{hfDirectory}' not found");
        var outFull = Path.GetFullPath(outFile);
        if (Directory.Exists(outFull)) throw new UsageException($"--out: '{outFile}' is a directory, not a file");
        var folder = Path.GetDirectoryName(outFull)!;
        if (!Directory.Exists(folder)) throw new UsageException($"--out: folder '{folder}' does not exist");
        var header = HfToGgufConverter.Convert(hfDirectory, outFull, type);
        string sha;
        using (var stream = File.OpenRead(outFull)) sha = System.Convert.ToHexStringLower(SHA256.HashData(stream));
        return new GgufConversionResult(outFull, fileType.ToLowerInvariant(), header.Metadata["general.architecture"].AsString(), header.Tensors.Count,
            header.Tensors.Sum(t => t.ElementCount), new FileInfo(outFull).Length, sha);
    }
}
