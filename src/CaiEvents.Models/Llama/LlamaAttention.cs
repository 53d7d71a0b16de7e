using CaiEvents.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models.Llama;

/// <summary>
/// Grouped-query self-attention: n query heads, n_kv key/value heads each shared by n/n_kv query heads, rotary positions on
/// queries and keys (after qwen3's per-head <c>q_norm</c>/<c>k_norm</c>), scale 1/sqrt(head_dim), no dropout.
/// </summary>
internal sealed class LlamaAttention : nn.Module
{
    private readonly LoraLinear q_proj;
    private readonly LoraLinear k_proj;
    private readonly LoraLinear v_proj;
    private readonly LoraLinear o_proj;
    private readonly RmsNorm? q_norm;
    private readonly RmsNorm? k_norm;
    private readonly int heads;
    private readonly int keyValueHeads;
    private readonly int headDim;

    public LlamaAttention(string name, LlamaConfig config, Device? device, ScalarType? dtype) : base(name)
    {
        heads = config.NumAttentionHeads;
        keyValueHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        q_proj = new LoraLinear(nameof(q_proj), config.HiddenSize, heads * headDim, config.QkvBias, device, dtype);
        k_proj = new LoraLinear(nameof(k_proj), config.HiddenSize, keyValueHeads * headDim, config.QkvBias, device, dtype);
        v_proj = new LoraLinear(nameof(v_proj), config.HiddenSize, keyValueHeads * headDim, config.QkvBias, device, dtype);
        o_proj = new LoraLinear(nameof(o_proj), heads * headDim, config.HiddenSize, config.OutputBias, device, dtype);
        if (config.QkNorm)
        {
            q_norm = new RmsNorm(nameof(q_norm), headDim, config.RmsNormEps, device, dtype);
            k_norm = new RmsNorm(nameof(k_norm), headDim, config.RmsNormEps, device, dtype);
        }
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor cos, Tensor signedSin, Tensor? mask, bool isCausal, LlamaKvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], length = x.shape[1];
        // [B, T, h·d] -> [B, T, h, d] (where the qwen3 norms apply, per head) -> [B, h, T, d]
        Tensor Heads(LoraLinear projection, long count, RmsNorm? norm)
        {
            var split = projection.forward(x).view(batch, length, count, headDim);
            return (norm is null ? split : norm.forward(split)).transpose(1, 2);
        }
        var q = RotaryEmbedding.ApplyWithSignedSin(Heads(q_proj, heads, q_norm), cos, signedSin);
        var k = RotaryEmbedding.ApplyWithSignedSin(Heads(k_proj, keyValueHeads, k_norm), cos, signedSin);
        var v = Heads(v_proj, keyValueHeads, null);
        if (cache is not null)
        {
            (k, v) = cache.Append(layer, k, v);
        }
        var group = heads / keyValueHeads;
        Tensor y;
        if (group > 1 && !isCausal)
        {
            // kv head j serves query heads j·group .. j·group + group − 1 (HF's repeat_kv). Rather than copying every cached
            // key and value group times per step, the group's queries become one longer query run of kv head j:
            // [B, h, T, d] -> [B, n_kv, group·T, d], rows in (query head, position) order, the mask repeated to match.
            var grouped = q.reshape(batch, keyValueHeads, group * length, headDim);
            var groupedMask = mask is null ? null : RepeatRows(mask, group);
            y = F.scaled_dot_product_attention(grouped, k, v, groupedMask, 0, false).view(batch, heads, length, headDim);
        }
        else
        {
            if (group > 1)
            {
                // SDPA's is_causal mask would not follow the grouped rows, so the causal case repeats the keys and values.
                k = k.repeat_interleave(group, dim: 1);
                v = v.repeat_interleave(group, dim: 1);
            }
            y = F.scaled_dot_product_attention(q, k, v, mask, 0, isCausal);
        }
        y = y.transpose(1, 2).reshape(batch, length, heads * headDim);
        return o_proj.forward(y).MoveToOuterDisposeScope();
    }

    /// <summary>A boolean mask [..., T, S] repeated <paramref name="times"/> times along its query rows: [..., times·T, S].</summary>
    private static Tensor RepeatRows(Tensor mask, int times)
    {
        var repeats = Enumerable.Repeat(1L, (int)mask.dim()).ToArray();
        repeats[^2] = times;
        return mask.repeat(repeats);
    }
}
