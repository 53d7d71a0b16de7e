namespace CaiEvents.Models.Training;

/// <summary>Names of <see cref="TrainingPrecision"/> as flags and events spell them (<c>fp32</c>, <c>bf16</c>, <c>fp16</c>).</summary>
public static class TrainingPrecisions
{
    /// <summary>Why fp16 training is refused, in one line.</summary>
    public const string Fp16Refusal =
        "fp16 training is not supported (it needs loss scaling to keep small gradients from underflowing); use --precision bf16";

    /// <summary>The precision a name stands for; null or empty is fp32. Throws <see cref="ArgumentException"/> with one line otherwise.</summary>
    public static TrainingPrecision Parse(string? name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "fp32" or "float32" => TrainingPrecision.Fp32,
        "bf16" or "bfloat16" => TrainingPrecision.Bf16,
        "fp16" or "float16" => TrainingPrecision.Fp16,
        _ => throw new ArgumentException($"unknown precision '{name}'; expected fp32, bf16 or fp16"),
    };

    /// <summary>The flag spelling of <paramref name="precision"/>.</summary>
    public static string Name(TrainingPrecision precision) => precision switch
    {
        TrainingPrecision.Bf16 => "bf16",
        TrainingPrecision.Fp16 => "fp16",
        _ => "fp32",
    };

    /// <summary>The name to record in an event: null for fp32, so events of fp32 jobs serialise as before.</summary>
    public static string? RecordedName(TrainingPrecision precision) => precision == TrainingPrecision.Fp32 ? null : Name(precision);
}
