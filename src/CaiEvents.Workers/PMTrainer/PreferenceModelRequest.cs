using System.Globalization;
using System.Text;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Models.Training;
using CaiEvents.Workers.Common.Jobs;

namespace CaiEvents.Workers.PMTrainer;

/// <summary>The hyper-parameter keys of <see cref="CaiEvents.Contracts.Commands.TrainPreferenceModel"/>, their defaults and parsing.</summary>
public static class PreferenceModelRequest
{
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["base_model"] = "builtin:demo",
        ["epochs"] = "3",
        ["pmp_epochs"] = "1",
        ["batch_size"] = "16",
        ["lr"] = "5e-4",
        ["warmup_steps"] = "10",
        ["min_lr_ratio"] = "0.1",
        ["weight_decay"] = "0.01",
        ["max_grad_norm"] = "1.0",
        ["heldout_fraction"] = "0.2",
        ["pmp_file"] = "",
        ["pmp_pairs_per_question"] = "3",
    };

    /// <summary>
    /// Keys without a default: the run whose imported human comparisons are mixed in (<c>human_run</c>) and their target share of the mix
    /// (<c>human_fraction</c>). They enter the job id only when given, so jobs without them keep their ids.
    /// </summary>
    public static readonly IReadOnlyList<string> OptionalKeys = ["human_run", "human_fraction"];

    /// <summary>
    /// Keys added after jobs were first recorded: a command names them only when they differ from these defaults, and
    /// <see cref="JobId"/> counts them only then, so earlier commands keep their job ids.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> OptionalDefaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["precision"] = "fp32",
        ["grad_accum"] = "1",
        ["activation_checkpointing"] = "false",
    };

    /// <summary>Typed hyper-parameters (defaults filled in); an unknown key or a bad value is an <see cref="ArgumentException"/> naming it.</summary>
    public static PreferenceModelHyperParameters Parse(IReadOnlyDictionary<string, string>? values)
    {
        var all = new Dictionary<string, string>(Defaults.Concat(OptionalDefaults).Concat(LoraTraining.OptionalDefaults), StringComparer.Ordinal);
        foreach (var (key, value) in values ?? new Dictionary<string, string>())
        {
            if (!all.ContainsKey(key) && !OptionalKeys.Contains(key))
                throw new ArgumentException($"hyper-parameter '{key}' is unknown (known: {string.Join(", ", all.Keys.Concat(OptionalKeys))})");
            all[key] = value;
        }
        int Int(string key, int min) => int.TryParse(all[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
            ? v : throw new ArgumentException($"hyper-parameter '{key}' must be a whole number ≥ {min}, got '{all[key]}'");
        double Real(string key, double min, double max) =>
            double.TryParse(all[key], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v : throw new ArgumentException($"hyper-parameter '{key}' must be a number in [{min}, {max}], got '{all[key]}'");
        var pmpFile = all["pmp_file"] is { Length: > 0 } f ? Path.GetFullPath(f) : null;
        var hp = new PreferenceModelHyperParameters(all["base_model"], Int("epochs", 1), pmpFile is null ? 0 : Int("pmp_epochs", 0), Int("batch_size", 1),
            Real("lr", 1e-9, 1), Int("warmup_steps", 0), Real("min_lr_ratio", 0, 1), Real("weight_decay", 0, 1), Real("max_grad_norm", 1e-6, 1e6),
            Real("heldout_fraction", 0, 0.9), pmpFile, Int("pmp_pairs_per_question", 1), Precision: TrainingComputeValues.Precision(all["precision"]),
            GradientAccumulation: Int("grad_accum", 1) is var accumulation and > 1 ? accumulation : null,
            ActivationCheckpointing: TrainingComputeValues.ActivationCheckpointing(all["activation_checkpointing"]) ? true : null,
            Lora: LoraTraining.Parse(all));
        if (string.IsNullOrWhiteSpace(hp.BaseModel)) throw new ArgumentException("hyper-parameter 'base_model' is empty");
        if (all.TryGetValue("human_run", out var humanRun))
        {
            hp = hp with
            {
                HumanRunId = Guid.TryParse(humanRun, out var id)
                    ? id : throw new ArgumentException($"hyper-parameter 'human_run' must be a run id, got '{humanRun}'"),
            };
        }
        if (all.TryGetValue("human_fraction", out var fraction))
        {
            if (hp.HumanRunId is null) throw new ArgumentException("hyper-parameter 'human_fraction' needs 'human_run'");
            hp = hp with
            {
                HumanFraction = double.TryParse(fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out var share) && share > 0 && share < 1
                    ? share : throw new ArgumentException($"hyper-parameter 'human_fraction' must be a number in (0, 1), got '{fraction}'"),
            };
        }
        return hp;
    }

    /// <summary>
    /// The job id of a command: a function of run, as-of sequence, seed and the hyper-parameters (defaults filled in), so the same
    /// request is the same job.
    /// </summary>
    public static Guid JobId(Guid runId, long asOf, long seed, IReadOnlyDictionary<string, string>? values)
    {
        var all = new SortedDictionary<string, string>(Defaults.ToDictionary(), StringComparer.Ordinal);
        foreach (var (key, value) in values ?? new Dictionary<string, string>())
        {
            if (!((OptionalDefaults.TryGetValue(key, out var unset) || LoraTraining.OptionalDefaults.TryGetValue(key, out unset)) && value == unset))
                all[key] = value;
        }
        var text = new StringBuilder($"pm:{asOf}:{seed}");
        foreach (var (key, value) in all) text.Append('\n').Append(key).Append('=').Append(value);
        return DeterministicIds.Create(runId, text.ToString());
    }
}
