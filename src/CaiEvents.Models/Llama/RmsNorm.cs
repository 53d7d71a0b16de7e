using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Llama;

/// <summary>
/// Root-mean-square normalisation over the last dimension: x · rsqrt(mean(x²) + eps) computed in float32, cast back to the
/// input's dtype, then scaled by <c>weight</c> (Hugging Face's order, which matters in half precision). No bias, no mean.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(string name, long size, double eps, Device? device = null, ScalarType? dtype = null) : base(name)
    {
        weight = new Parameter(ones([size], dtype ?? ScalarType.Float32, device));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var normalised = x * (x.pow(2).mean([-1], keepdim: true) + eps).rsqrt();
        return (weight * normalised.to(input.dtype)).MoveToOuterDisposeScope();
    }
}
