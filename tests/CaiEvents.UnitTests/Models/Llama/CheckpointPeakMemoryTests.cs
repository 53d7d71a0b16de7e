using CaiEvents.Models;
using CaiEvents.Models.Llama;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

/// <summary>Measures resident memory, so it runs alone (no other test allocating meanwhile).</summary>
[Collection(nameof(TensorCounting))]
public class CheckpointPeakMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void Status_lines_give_rss_and_peak_in_bytes()
    {
        var parsed = ProcessMemory.Parse(["Name:\tdotnet", "VmHWM:\t  204800 kB", "VmRSS:\t  102400 kB", "Threads:\t9"]);

        Assert.Equal((102400L * 1024, 204800L * 1024), parsed);
        Assert.Null(ProcessMemory.Parse(["Name:\tdotnet"]));
    }

    /// <summary>
    /// Loading reads each tensor straight into its parameter, so the process grows by about one copy of the weights (the
    /// model itself) plus one tensor; reading the whole file first and then copying would need two copies. The bound,
    /// peak growth &lt; 1.5 × the weight file, sits between the two with room for allocator and runtime noise.
    /// </summary>
    [Fact]
    public void Loading_a_50_MB_checkpoint_grows_peak_rss_by_well_under_twice_the_file()
    {
        if (ProcessMemory.Read() is null || !ProcessMemory.TryResetPeak())
        {
            return; // not Linux, or the kernel will not reset the peak: nothing to measure
        }
        using var dir = new TempDir();
        // ~12.4 M float32 parameters: embedding and untied head 16000·256 each, 4 layers of 256-wide attention and 1024-wide MLP.
        var config = new LlamaConfig("llama", VocabSize: 16000, HiddenSize: 256, IntermediateSize: 1024, NumHiddenLayers: 4,
            NumAttentionHeads: 4, NumKeyValueHeads: 4, HeadDim: 64, MaxPositionEmbeddings: 512);
        using (var model = new LlamaModel(config))
        {
            model.InitializeWeights(1);
            LlamaCheckpoint.Save(model, dir.Path);
        }
        var fileBytes = new FileInfo(dir.File("model.safetensors")).Length;
        Assert.InRange(fileBytes, 45_000_000, 55_000_000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        ProcessMemory.TryResetPeak();
        var before = ProcessMemory.Read()!.Value.ResidentBytes;
        var (loaded, _, _) = LlamaCheckpoint.Load(dir.Path, ModelOptions.Cpu);
        var peak = ProcessMemory.Read()!.Value.PeakResidentBytes;
        loaded.Dispose();

        var growth = peak - before;
        output.WriteLine($"weights {fileBytes / 1e6:F1} MB, peak RSS growth while loading {growth / 1e6:F1} MB ({(double)growth / fileBytes:F2}x)");
        Assert.True(growth < 1.5 * fileBytes, $"peak RSS grew by {growth} bytes loading {fileBytes} bytes of weights");
    }
}
