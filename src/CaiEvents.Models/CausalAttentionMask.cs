using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// Positions and the boolean SDPA mask for a batch that may be left-padded and may follow cached tokens, for every decoder
/// (<see cref="Gpt2Model"/>, <see cref="Llama.LlamaModel"/>): positions count real tokens (cumsum − 1), and a padding query
/// attends to itself.
/// </summary>
internal static class CausalAttentionMask
{
    /// <summary>Position of each new token [B or 1, T]: its index among the row's real tokens (padding gets 0).</summary>
    public static Tensor PositionIds(Tensor? mask, long past, long length, Device device)
    {
        if (mask is null)
        {
            return arange(past, past + length, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        }
        return (mask.cumsum(1) - 1).clamp_min(0).narrow(1, past, length);
    }

    /// <summary>
    /// The boolean attention mask for <c>scaled_dot_product_attention</c> (true = may attend), or null with <c>IsCausal</c>
    /// when the plain causal mask is enough.
    /// </summary>
    public static (Tensor? Mask, bool IsCausal) Build(Tensor? mask, long batch, long past, long length, Device device)
    {
        var total = past + length;
        if (mask is null && past == 0)
        {
            return (null, length > 1);
        }
        if (mask is null && length == 1)
        {
            return (null, false); // one new token after the cache sees everything before it
        }
        var query = arange(past, total, dtype: ScalarType.Int64, device: device).view(length, 1);
        var key = arange(0, total, dtype: ScalarType.Int64, device: device).view(1, total);
        var causal = key.le(query); // [T, P+T]; SDPA's is_causal is top-left aligned, wrong after a cache
        if (mask is null)
        {
            return (causal, false);
        }
        // Padding keys are masked out, but every query may attend to itself: a padding query with no
        // key at all would give NaN, which would then leak into real rows through its values.
        var real = mask.ne(0).view(batch, 1, 1, total);
        var self = key.eq(query);
        return (causal.logical_and(real.logical_or(self)), false);
    }
}
