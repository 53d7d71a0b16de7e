using System.Diagnostics;
using CaiEvents.Contracts;
using CaiEvents.Models;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// <c>cai bench load</c>: what loading an <c>hf:DIR</c> checkpoint costs in resident memory, against the size of its weight files
/// and of the loaded weights. The peak (VmHWM) is reset just before the load, so the growth is the load's own; a loader that read
/// every tensor before copying it into the network would show a peak growth near twice the weights.
/// </summary>
public static class CheckpointLoadBenchmark
{
    /// <exception cref="ArgumentException">Not an hf: id, or no weight files there.</exception>
    /// <exception cref="PlatformNotSupportedException">No /proc (not Linux), or a kernel that refuses to reset the peak.</exception>
    public static CheckpointLoadResult Run(string modelId, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        if (!modelId.StartsWith(ModelIds.HfScheme, StringComparison.Ordinal))
        {
            throw new ArgumentException($"cai bench load measures hf:DIR checkpoints, not '{modelId}'.", nameof(modelId));
        }
        var directory = modelId[ModelIds.HfScheme.Length..];
        var fileBytes = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.safetensors").Sum(f => new FileInfo(f).Length)
            : 0;
        if (fileBytes == 0)
        {
            throw new ArgumentException($"{directory} has no .safetensors weight files.", nameof(modelId));
        }
        WarmUpNativeLibraries();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (!ProcessMemory.TryResetPeak() || ProcessMemory.Read() is not { } before)
        {
            throw new PlatformNotSupportedException("Peak resident memory cannot be measured here (needs Linux /proc/self/clear_refs).");
        }
        var clock = Stopwatch.StartNew();
        using var model = (LocalTextModel)ModelCatalog.Load(modelId, options);
        var seconds = clock.Elapsed.TotalSeconds;
        var after = ProcessMemory.Read()!.Value;
        var weightBytes = model.Network.parameters().Sum(p => p.numel() * p.element_size());
        return new CheckpointLoadResult(modelId, model.Architecture.Name, fileBytes, weightBytes, after.PeakResidentBytes - before.ResidentBytes,
            after.ResidentBytes - before.ResidentBytes, seconds);
    }

    /// <summary>libtorch's first use maps its libraries and thread pools (~150 MB here): not a cost of the checkpoint.</summary>
    private static void WarmUpNativeLibraries()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = TorchSharp.torch.ones(64, 64);
        _ = x.matmul(x).sum().item<float>();
    }
}
