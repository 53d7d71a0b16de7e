using System.Globalization;
using CaiEvents.Contracts.Events;
using CaiEvents.Models.Training;
using CaiEvents.Workers.Common.Jobs;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>
/// The hyper-parameter keys of <see cref="CaiEvents.Contracts.Commands.TrainPolicy"/>, their defaults, and parsing into
/// <see cref="PpoHyperParameters"/>.
/// </summary>
public static class PpoCommandRequest
{
    public const string InProcess = "inprocess";
    public const string Workers = "workers";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["rollouts_per_step"] = "16",
        ["minibatch_size"] = "8",
        ["ppo_epochs"] = "2",
        ["lr"] = "5e-5",
        ["value_lr"] = "", // default: 2 × lr
        ["clip_range"] = "0.2",
        ["value_clip_range"] = "0.2",
        ["value_coef"] = "0.5",
        ["entropy_coef"] = "0",
        ["gamma"] = "1",
        ["lambda"] = "0.95",
        ["max_grad_norm"] = "1",
        ["kl_coef"] = "0.1",
        ["kl_target"] = "1", // 0 = fixed coefficient
        ["kl_horizon"] = "32",
        ["max_new_tokens"] = "48",
        ["checkpoint_every"] = "10",
    };

    /// <summary>Keys added after jobs were first recorded, with their defaults: a command names them only when it changes them.</summary>
    public static readonly IReadOnlyDictionary<string, string> OptionalDefaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["precision"] = "fp32",
        ["grad_accum"] = "1",
        ["activation_checkpointing"] = "false",
    };

    /// <summary>Typed hyper-parameters (defaults filled in); an unknown key or a bad value is an <see cref="ArgumentException"/> naming it.</summary>
    public static PpoHyperParameters Parse(int steps, long seed, IReadOnlyDictionary<string, string>? values)
    {
        var all = new Dictionary<string, string>(Defaults.Concat(OptionalDefaults).Concat(LoraTraining.OptionalDefaults), StringComparer.Ordinal);
        foreach (var (key, value) in values ?? new Dictionary<string, string>())
        {
            if (!all.ContainsKey(key)) throw new ArgumentException($"hyper-parameter '{key}' is unknown (known: {string.Join(", ", all.Keys)})");
            all[key] = value;
        }
        int Int(string key) => int.TryParse(all[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1
            ? v : throw new ArgumentException($"hyper-parameter '{key}' must be a whole number ≥ 1, got '{all[key]}'");
        double Real(string key) => double.TryParse(all[key], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0
            ? v : throw new ArgumentException($"hyper-parameter '{key}' must be a number ≥ 0, got '{all[key]}'");
        var lr = Real("lr");
        var klTarget = Real("kl_target");
        return new PpoHyperParameters(steps, Int("rollouts_per_step"), Int("minibatch_size"), Int("ppo_epochs"), lr,
            all["value_lr"] is { Length: > 0 } ? Real("value_lr") : lr * 2, Real("clip_range"), Real("value_clip_range"), Real("value_coef"),
            Real("entropy_coef"), Real("gamma"), Real("lambda"), Real("max_grad_norm"), Real("kl_coef"), klTarget > 0 ? klTarget : null,
            Real("kl_horizon"), Int("max_new_tokens"), Int("checkpoint_every"), seed, TrainingComputeValues.Precision(all["precision"]),
            Int("grad_accum") is var accumulation and > 1 ? accumulation : null,
            TrainingComputeValues.ActivationCheckpointing(all["activation_checkpointing"]) ? true : null, LoraTraining.Parse(all));
    }

    /// <summary>What <see cref="PpoStarted.RolloutMode"/> records for each option value.</summary>
    public const string InProcessMode = "in-process";
    public const string DistributedMode = "distributed";

    /// <summary>The recorded rollout mode of an option value: <see cref="InProcess"/> (default) or <see cref="Workers"/>.</summary>
    public static string RolloutMode(string? value) => value switch
    {
        null or "" or InProcess => InProcessMode,
        Workers => DistributedMode,
        _ => throw new ArgumentException($"rollouts must be '{InProcess}' or '{Workers}', got '{value}'"),
    };
}
