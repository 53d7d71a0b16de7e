using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>Keys and values of already-processed tokens, one preallocated buffer per layer.</summary>
public sealed class Gpt2KvCache : IKeyValueCache
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    internal Gpt2KvCache(Gpt2Config config, long batch, long capacity, Device device, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Batch = batch;
        Capacity = capacity;
        // Owned by the cache, not by whatever dispose scope the caller is in.
        Tensor Buffer() => zeros([batch, config.NHead, capacity, config.HeadSize], dtype, device).DetachFromDisposeScope();
        keys = Enumerable.Range(0, config.NLayer).Select(_ => Buffer()).ToArray();
        values = Enumerable.Range(0, config.NLayer).Select(_ => Buffer()).ToArray();
    }

    public long Batch { get; }

    public long Capacity { get; }

    /// <summary>Number of tokens cached so far.</summary>
    public long Length { get; private set; }

    /// <summary>Stores this layer's new keys/values [B, H, T, D]; returns all keys/values so far.</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor newKeys, Tensor newValues)
    {
        var length = newKeys.shape[2];
        if (Length + length > Capacity)
        {
            throw new InvalidOperationException($"KV cache capacity {Capacity} exceeded ({Length} cached + {length} new).");
        }
        using (no_grad())
        {
            keys[layer].narrow(2, Length, length).copy_(newKeys);
            values[layer].narrow(2, Length, length).copy_(newValues);
        }
        return (keys[layer].narrow(2, 0, Length + length), values[layer].narrow(2, 0, Length + length));
    }

    internal void Advance(long length) => Length += length;

    public void Dispose()
    {
        foreach (var t in keys.Concat(values))
        {
            t.Dispose();
        }
    }
}
