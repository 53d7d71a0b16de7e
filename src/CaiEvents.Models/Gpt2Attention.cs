using CaiEvents.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models;

internal sealed class Gpt2Attention : nn.Module
{
    private readonly LoraLinear c_attn;
    private readonly LoraLinear c_proj;
    private readonly Dropout resid_dropout;
    private readonly int heads;
    private readonly int width;
    private readonly double attentionDropout;

    public Gpt2Attention(string name, Gpt2Config config) : base(name)
    {
        c_attn = new LoraLinear(nameof(c_attn), config.NEmbd, 3 * config.NEmbd);
        c_proj = new LoraLinear(nameof(c_proj), config.NEmbd, config.NEmbd);
        resid_dropout = nn.Dropout(config.ResidPdrop);
        heads = config.NHead;
        width = config.NEmbd;
        attentionDropout = config.AttnPdrop;
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor? mask, bool isCausal, Gpt2KvCache? cache, int layer)
    {
        long batch = x.shape[0], length = x.shape[1];
        var qkv = c_attn.forward(x).split(width, dim: 2);
        // [B, T, C] -> [B, H, T, C/H]
        Tensor Heads(Tensor p) => p.view(batch, length, heads, width / heads).transpose(1, 2);
        Tensor q = Heads(qkv[0]), k = Heads(qkv[1]), v = Heads(qkv[2]);
        if (cache is not null)
        {
            (k, v) = cache.Append(layer, k, v);
        }
        // Default scale 1/sqrt(head size), as GPT-2's scale_attn_weights.
        var y = F.scaled_dot_product_attention(q, k, v, mask, training ? attentionDropout : 0, isCausal);
        y = y.transpose(1, 2).reshape(batch, length, width);
        return resid_dropout.forward(c_proj.forward(y));
    }
}
