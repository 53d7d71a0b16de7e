using CaiEvents.Models;
using CaiEvents.Models.Lora;

namespace CaiEvents.Application.ModelManagement;

/// <summary>
/// <c>cai model merge</c>: a base checkpoint with a PEFT LoRA adapter folded in (W += alpha/r · B A), written as a full checkpoint in the
/// base's own Hugging Face layout, so tools that know nothing of adapters load it.
/// </summary>
public static class AdapterMerge
{
    /// <summary>Merges the adapter in <paramref name="adapterDirectory"/> into its base and writes <paramref name="outDirectory"/> (new or empty).</summary>
    /// <exception cref="UsageException">A missing adapter directory or config, or an output directory that is not empty.</exception>
    /// <exception cref="CheckpointFormatException">A malformed adapter, a missing base, or an adapter that does not fit it.</exception>
    public static AdapterMergeResult Merge(string adapterDirectory, string outDirectory)
    {
        ArgumentNullException.ThrowIfNull(adapterDirectory);
        ArgumentNullException.ThrowIfNull(outDirectory);
        if (!Directory.Exists(adapterDirectory)) throw new UsageException($"--adapter: directory '{adapterDirectory}' not found");
        if (!PeftAdapter.IsAdapterDirectory(adapterDirectory))
            throw new UsageException($"--adapter: '{adapterDirectory}' has no {PeftAdapter.ConfigFileName}");
        var output = Path.GetFullPath(outDirectory);
        if (File.Exists(output)) throw new UsageException($"--out: '{outDirectory}' is a file, not a directory");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new UsageException($"--out: directory '{outDirectory}' is not empty");
        var parent = Path.GetDirectoryName(output.TrimEnd(Path.DirectorySeparatorChar))!;
        if (!Directory.Exists(parent)) throw new UsageException($"--out: folder '{parent}' does not exist");

        var loaded = PeftAdapter.Load(adapterDirectory, ModelOptions.Cpu);
        var staging = output.TrimEnd(Path.DirectorySeparatorChar) + $".tmp-{Environment.ProcessId}";
        try
        {
            loaded.Adapters.Merge();
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            loaded.Architecture.Save(loaded.Base.Network, loaded.Base.Tokenizer, staging);
            var sha = loaded.Architecture.WeightsSha256(loaded.Base.Network);
            if (Directory.Exists(output)) Directory.Delete(output);
            Directory.Move(staging, output);
            return new AdapterMergeResult(output, loaded.Architecture.Name, loaded.Provenance.BaseDirectory, loaded.Provenance.BaseCheckpointHash,
                loaded.Provenance.AdapterSha256, sha);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            (loaded.Base.Network as IDisposable)?.Dispose();
            (loaded.Base.Tokenizer as IDisposable)?.Dispose();
        }
    }
}
