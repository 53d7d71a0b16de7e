using System.Runtime;
using CaiEvents.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

/// <summary>Counts live tensors process-wide, so it runs alone.</summary>
[Collection(nameof(TensorCounting))]
public class LlamaModelLeakTests
{
    [Theory]
    [MemberData(nameof(LlamaTestModels.ModelTypes), MemberType = typeof(LlamaTestModels))]
    public void Forward_cache_logits_device_and_dtype_leave_no_live_tensors_behind(string modelType)
    {
        using var model = LlamaTestModels.NewModel(modelType);
        using var ids = tensor(new long[] { 0, 5, 6, 7, 8, 9, 10, 11 }, [2, 4]);
        using var mask = tensor(new long[] { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 5]);
        using var next = tensor(new long[] { 12, 13 }, [2, 1]);
        using var firstMask = mask[.., ..4];
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = torch.Tensor.TotalCount;
        Assert.True(GC.TryStartNoGCRegion(100_000_000), "could not suspend the GC");
        try
        {
            using var noGrad = no_grad();
            using (var cache = model.CreateKvCache(2, 5))
            {
                model.Forward(ids, firstMask, cache).Dispose();
                model.Forward(next, mask, cache).Dispose();
            }
            model.forward(ids).Dispose();
            using var hidden = model.HiddenStates(ids);
            model.Logits(hidden).Dispose(); // tied models project with the embedding, read outside any caller's scope
            Assert.Equal(ScalarType.Float32, model.DType);
            Assert.Equal(DeviceType.CPU, model.Device.type);
        }
        finally
        {
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode); // else a GC ran and the count proves less
            GC.EndNoGCRegion();
        }

        Assert.Equal(before, torch.Tensor.TotalCount);
    }
}
