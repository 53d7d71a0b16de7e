namespace CaiEvents.Models.Training;

/// <summary>The number format a trainer computes in (<c>--precision</c>); the optimizer state is fp32 in every mode.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in fp32 (the default; results as before precision was configurable).</summary>
    Fp32,

    /// <summary>bf16 weights and activations during a step, fp32 master weights, optimizer state and loss reductions.</summary>
    Bf16,

    /// <summary>fp16: refused (<see cref="TrainingPrecisions.Fp16Refusal"/>); it would need loss scaling, bf16 does not.</summary>
    Fp16,
}
