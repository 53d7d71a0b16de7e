using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>A <see cref="Gpt2Model"/>'s keys and values: every head of every layer.</summary>
public sealed class Gpt2KvCache : LayeredKvCache
{
    internal Gpt2KvCache(Gpt2Config config, long batch, long capacity, Device device, ScalarType dtype)
        : base(config.NLayer, batch, config.NHead, capacity, config.HeadSize, device, dtype)
    {
    }
}
