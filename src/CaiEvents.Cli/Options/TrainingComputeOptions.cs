using System.CommandLine;
using System.Globalization;
using CaiEvents.Application;
using CaiEvents.Models.Training;

namespace CaiEvents.Cli.Options;

/// <summary>
/// <c>--precision</c>, <c>--grad-accum</c> and <c>--activation-checkpointing</c>, which <c>cai sft</c>, <c>cai pm train</c>,
/// <c>cai ppo train</c> and <c>cai bench train</c>
/// share: how a trainer computes, not what it learns (the defaults, fp32 and 1, give the results of before).
/// </summary>
internal sealed class TrainingComputeOptions
{
    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "fp32 (default) or bf16 (bf16 weights and activations, fp32 master weights and optimizer state); fp16 is refused",
        DefaultValueFactory = _ => "fp32",
    };

    public Option<int> GradientAccumulation { get; } = new("--grad-accum")
    {
        Description = "Micro-batches per optimizer step (effective batch = batch size × N, same result as one large batch)",
        DefaultValueFactory = _ => 1,
    };

    public Option<bool> ActivationCheckpointing { get; } = new("--activation-checkpointing")
    {
        Description = "Recompute each decoder block in backward instead of keeping its activations (less memory, about one more forward pass)",
    };

    /// <summary>The parsed values; a bad one is a <see cref="UsageException"/> naming its flag.</summary>
    public (TrainingPrecision Precision, int GradientAccumulation) Parse(ParseResult parse)
    {
        TrainingPrecision precision;
        try
        {
            precision = TrainingPrecisions.Parse(parse.GetValue(Precision));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--precision: {e.Message}");
        }
        if (precision == TrainingPrecision.Fp16) throw new UsageException($"--precision: {TrainingPrecisions.Fp16Refusal}");
        var accumulation = parse.GetValue(GradientAccumulation);
        if (accumulation < 1) throw new UsageException($"--grad-accum: must be ≥ 1, got {accumulation}");
        return (precision, accumulation);
    }

    /// <summary>
    /// Adds <c>precision</c>, <c>grad_accum</c> and <c>activation_checkpointing</c> to a job's hyper-parameter values, only where they
    /// differ from the defaults.
    /// </summary>
    public void AddChanged(ParseResult parse, IDictionary<string, string> values)
    {
        var (precision, accumulation) = Parse(parse);
        if (precision != TrainingPrecision.Fp32) values["precision"] = TrainingPrecisions.Name(precision);
        if (accumulation != 1) values["grad_accum"] = accumulation.ToString(CultureInfo.InvariantCulture);
        if (parse.GetValue(ActivationCheckpointing)) values["activation_checkpointing"] = "true";
    }
}
