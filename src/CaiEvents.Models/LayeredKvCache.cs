using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// Keys and values of already-processed tokens, one preallocated buffer per layer of [B, heads, capacity, head size]; each
/// architecture's cache is one of these with its own shape (GPT-2: every head; grouped-query models: their n_kv heads).
/// </summary>
public abstract class LayeredKvCache : IKeyValueCache
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    protected LayeredKvCache(int layers, long batch, long heads, long capacity, long headSize, Device device, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Batch = batch;
        Capacity = capacity;
        // Owned by the cache, not by whatever dispose scope the caller is in.
        Tensor Buffer() => zeros([batch, heads, capacity, headSize], dtype, device).DetachFromDisposeScope();
        keys = Enumerable.Range(0, layers).Select(_ => Buffer()).ToArray();
        values = Enumerable.Range(0, layers).Select(_ => Buffer()).ToArray();
    }

    public long Batch { get; }

    public long Capacity { get; }

    /// <summary>Number of tokens cached so far.</summary>
    public long Length { get; private set; }

    /// <summary>Key/value heads per layer the cache stores.</summary>
    public long KeyValueHeads => keys[0].shape[1];

    /// <summary>Stores this layer's new keys/values [B, heads, T, d]; returns all keys/values so far.</summary>
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
        GC.SuppressFinalize(this);
    }
}
