using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models;

internal sealed class Gpt2Block : nn.Module
{
    private readonly LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;

    public Gpt2Block(string name, Gpt2Config config) : base(name)
    {
        ln_1 = nn.LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        attn = new Gpt2Attention("attn", config);
        ln_2 = nn.LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        mlp = new Gpt2Mlp("mlp", config);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor? mask, bool isCausal, Gpt2KvCache? cache, int layer)
    {
        x = x + attn.forward(ln_1.forward(x), mask, isCausal, cache, layer);
        return x + mlp.forward(ln_2.forward(x));
    }
}
