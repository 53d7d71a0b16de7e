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
        // Float32 input needs no casts: each op costs a native call, and a decode step runs 2·layers + 1 of these norms.
        var isFloat32 = input.dtype == ScalarType.Float32;
        var x = isFloat32 ? input : input.to(ScalarType.Float32);
        var inverseRms = x.square().mean([-1], keepdim: true).add_(eps).rsqrt_(); // in place on a fresh temporary
        var normalised = x * inverseRms;
        return (weight * (isFloat32 ? normalised : normalised.to(input.dtype))).MoveToOuterDisposeScope();
    }
}
