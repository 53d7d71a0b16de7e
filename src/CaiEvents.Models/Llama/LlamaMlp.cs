using CaiEvents.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models.Llama;

/// <summary>SwiGLU feed-forward: <c>down_proj(silu(gate_proj(x)) * up_proj(x))</c>.</summary>
internal sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly LoraLinear gate_proj;
    private readonly LoraLinear up_proj;
    private readonly LoraLinear down_proj;

    public LlamaMlp(string name, LlamaConfig config, Device? device, ScalarType? dtype) : base(name)
    {
        gate_proj = new LoraLinear(nameof(gate_proj), config.HiddenSize, config.IntermediateSize, config.MlpBias, device, dtype);
        up_proj = new LoraLinear(nameof(up_proj), config.HiddenSize, config.IntermediateSize, config.MlpBias, device, dtype);
        down_proj = new LoraLinear(nameof(down_proj), config.IntermediateSize, config.HiddenSize, config.MlpBias, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(F.silu(gate_proj.forward(x)) * up_proj.forward(x)).MoveToOuterDisposeScope();
    }
}
