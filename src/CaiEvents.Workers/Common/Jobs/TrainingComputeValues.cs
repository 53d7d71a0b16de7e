using CaiEvents.Models.Training;

namespace CaiEvents.Workers.Common.Jobs;

/// <summary>
/// The trainer-compute values of a training command's hyper-parameters (<c>precision</c>, <c>activation_checkpointing</c>) as
/// recorded: one reading for the preference-model and the PPO commands.
/// </summary>
public static class TrainingComputeValues
{
    /// <summary>A true/false value; anything else is refused naming the key.</summary>
    public static bool ActivationCheckpointing(string value) => bool.TryParse(value, out var on)
        ? on : throw new ArgumentException($"hyper-parameter 'activation_checkpointing' must be true or false, got '{value}'");

    /// <summary>The recorded precision of a value: null for fp32; fp16 and unknown names are refused.</summary>
    public static string? Precision(string value)
    {
        var precision = TrainingPrecisions.Parse(value);
        if (precision == TrainingPrecision.Fp16) throw new ArgumentException(TrainingPrecisions.Fp16Refusal);
        return TrainingPrecisions.RecordedName(precision);
    }
}
