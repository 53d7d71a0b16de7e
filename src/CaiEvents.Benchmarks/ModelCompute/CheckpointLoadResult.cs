namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>What <see cref="CheckpointLoadBenchmark"/> measured (bytes, seconds).</summary>
/// <param name="FileBytes">The weight files (<c>*.safetensors</c>) on disk.</param>
/// <param name="WeightBytes">The loaded weights in memory (in the configured dtype: a bf16 file loaded as float32 is twice its file).</param>
/// <param name="PeakGrowthBytes">Peak resident memory during the load minus resident memory before it.</param>
/// <param name="ResidentGrowthBytes">Resident memory after the load minus before it.</param>
public sealed record CheckpointLoadResult(
    string Model, string Architecture, long FileBytes, long WeightBytes, long PeakGrowthBytes, long ResidentGrowthBytes, double Seconds)
{
    /// <summary>Peak growth over the loaded weights' size: about 1 when the loader holds one copy of the weights.</summary>
    public double PeakOverWeights => (double)PeakGrowthBytes / WeightBytes;

    /// <summary>Peak growth over the weight files' size.</summary>
    public double PeakOverFiles => (double)PeakGrowthBytes / FileBytes;
}
