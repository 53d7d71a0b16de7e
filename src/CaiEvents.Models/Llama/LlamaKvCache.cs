using static TorchSharp.torch;

namespace CaiEvents.Models.Llama;

/// <summary>
/// A <see cref="LlamaModel"/>'s keys and values: grouped-query models cache their n_kv key/value heads, not the n query heads
/// those are shared by.
/// </summary>
public sealed class LlamaKvCache : LayeredKvCache
{
    internal LlamaKvCache(LlamaConfig config, long batch, long capacity, Device device, ScalarType dtype)
        : base(config.NumHiddenLayers, batch, config.NumKeyValueHeads, capacity, config.HeadDim, device, dtype)
    {
    }
}
