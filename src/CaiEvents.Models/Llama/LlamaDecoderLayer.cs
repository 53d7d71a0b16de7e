using static TorchSharp.torch;

namespace CaiEvents.Models.Llama;

/// <summary>Pre-norm block: x + attn(input_layernorm(x)), then h + mlp(post_attention_layernorm(h)).</summary>
internal sealed class LlamaDecoderLayer : nn.Module
{
    private readonly RmsNorm input_layernorm;
    private readonly LlamaAttention self_attn;
    private readonly RmsNorm post_attention_layernorm;
    private readonly LlamaMlp mlp;

    public LlamaDecoderLayer(string name, LlamaConfig config, Device? device, ScalarType? dtype) : base(name)
    {
        input_layernorm = new RmsNorm(nameof(input_layernorm), config.HiddenSize, config.RmsNormEps, device, dtype);
        self_attn = new LlamaAttention(nameof(self_attn), config, device, dtype);
        post_attention_layernorm = new RmsNorm(nameof(post_attention_layernorm), config.HiddenSize, config.RmsNormEps, device, dtype);
        mlp = new LlamaMlp(nameof(mlp), config, device, dtype);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor cos, Tensor signedSin, Tensor? mask, bool isCausal, LlamaKvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.forward(input_layernorm.forward(x), cos, signedSin, mask, isCausal, cache, layer);
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
