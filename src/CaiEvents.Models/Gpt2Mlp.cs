using CaiEvents.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models;

internal sealed class Gpt2Mlp : nn.Module
{
    private readonly LoraLinear c_fc;
    private readonly LoraLinear c_proj;
    private readonly Dropout dropout;
    private readonly GELU.Approximate approximate;

    public Gpt2Mlp(string name, Gpt2Config config) : base(name)
    {
        c_fc = new LoraLinear(nameof(c_fc), config.NEmbd, config.InnerSize);
        c_proj = new LoraLinear(nameof(c_proj), config.InnerSize, config.NEmbd);
        dropout = nn.Dropout(config.ResidPdrop);
        approximate = config.UsesTanhGelu ? GELU.Approximate.tanh : GELU.Approximate.none;
        RegisterComponents();
    }

    public Tensor forward(Tensor x) => dropout.forward(c_proj.forward(F.gelu(c_fc.forward(x), approximate)));
}
