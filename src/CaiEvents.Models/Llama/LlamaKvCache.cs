using static TorchSharp.torch;

namespace CaiEvents.Models.Llama;

/// <summary>
/// Keys and values of already-processed tokens, one preallocated buffer per layer of [B, n_kv, capacity, head_dim]: grouped-query
/// models cache their n_kv key/value heads, not the n query heads they are repeated to.
/// </summary>
public sealed class LlamaKvCache : IKeyValueCache
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    internal LlamaKvCache(LlamaConfig config, long batch, long capacity, Device device, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Batch = batch;
        Capacity = capacity;
        // Owned by the cache, not by whatever dispose scope the caller is in.
        Tensor Buffer() => zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
        keys = Enumerable.Range(0, config.NumHiddenLayers).Select(_ => Buffer()).ToArray();
        values = Enumerable.Range(0, config.NumHiddenLayers).Select(_ => Buffer()).ToArray();
    }

    public long Batch { get; }

    public long Capacity { get; }

    public long Length { get; private set; }

    /// <summary>Key/value heads per layer the cache stores (n_kv).</summary>
    public long KeyValueHeads => keys[0].shape[1];

    /// <summary>Stores this layer's new keys/values [B, n_kv, T, d]; returns all keys/values so far.</summary>
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
