using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Training;

/// <summary>
/// The weights an optimizer steps for one module under a <see cref="TrainingPrecision"/>. fp32: the module's own parameters that
/// require gradients. bf16: fp32 copies of them (master weights); between <see cref="BeginStep"/> and <see cref="EndStep"/> the module
/// runs in bf16, <see cref="GradientsToMasters"/> copies its gradients into the masters (fp32) for clipping and the optimizer, and
/// <see cref="EndStep"/> returns the module to its own dtype holding the masters' values. Outside a step the module is as its owner
/// knows it (same dtype, trainable weights equal to the masters), so saving, hashing and sampling need no change. Frozen parameters
/// have no masters: in bf16 they are rounded to bf16 at the first step and stay so.
/// </summary>
public sealed class MasterWeights : IDisposable
{
    private readonly nn.Module _module;
    private readonly Parameter[] _masters;
    private ScalarType _outsideType;

    public MasterWeights(nn.Module module, TrainingPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (precision == TrainingPrecision.Fp16) throw new NotSupportedException(TrainingPrecisions.Fp16Refusal);
        _module = module;
        Precision = precision;
        var trainable = Optimizers.Trainable(module.parameters());
        if (precision == TrainingPrecision.Fp32)
        {
            _masters = trainable;
            return;
        }
        using var noGrad = no_grad();
        _masters = [.. trainable.Select(p =>
            (Parameter)new Parameter(p.detach().to(ScalarType.Float32, copy: true), requires_grad: true).DetachFromDisposeScope())];
    }

    public TrainingPrecision Precision { get; }

    /// <summary>What the optimizer steps and gradient clipping measures: fp32 in every mode.</summary>
    public IReadOnlyList<Parameter> Parameters => _masters;

    private bool Mixed => Precision != TrainingPrecision.Fp32;

    /// <summary>Casts the module to bf16 for the forward and backward passes of a step (no-op in fp32).</summary>
    public void BeginStep()
    {
        if (!Mixed) return;
        _outsideType = _module.parameters().First(p => p.is_floating_point()).dtype;
        _module.to(ScalarType.BFloat16);
    }

    /// <summary>
    /// After backward: each master's gradient becomes the module parameter's gradient in fp32, and the module's are cleared (no-op in fp32).
    /// </summary>
    public void GradientsToMasters()
    {
        if (!Mixed) return;
        var live = Optimizers.Trainable(_module.parameters());
        if (live.Length != _masters.Length) throw new InvalidOperationException("the module's trainable parameters changed during a step");
        using var noGrad = no_grad();
        for (var i = 0; i < live.Length; i++)
        {
            if (live[i].grad is { } grad) _masters[i].grad = grad.to(ScalarType.Float32);
        }
        // Module casts carry gradients along: without this the next step's backward would add to this step's gradients.
        _module.zero_grad();
    }

    /// <summary>After the optimizer step: the module returns to its dtype and takes the masters' values (no-op in fp32).</summary>
    public void EndStep()
    {
        if (!Mixed) return;
        using var noGrad = no_grad();
        _module.to(_outsideType);
        var live = Optimizers.Trainable(_module.parameters());
        for (var i = 0; i < live.Length; i++) live[i].copy_(_masters[i]);
    }

    public void Dispose()
    {
        if (!Mixed) return;
        foreach (var master in _masters) master.Dispose();
    }
}
