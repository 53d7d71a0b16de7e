using System.Globalization;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Models;
using CaiEvents.Models.Lora;

namespace CaiEvents.Workers.Common.Jobs;

/// <summary>
/// What the training jobs share for LoRA: the job's <see cref="LoraHyperParameters"/> as a <see cref="LoraConfig"/> for a network, the
/// base model an adapter checkpoint names, and the checkpoint hash of base + adapter.
/// </summary>
public static class LoraTraining
{
    /// <summary>Name of the copy of a base model that has no directory of its own (builtin:*), in a job's output directory.</summary>
    public const string BaseDirectoryName = "base";

    /// <summary>
    /// The LoRA keys of a preference-model or PPO command's hyper-parameter values, with their defaults: a command names them only when
    /// LoRA is asked for (rank ≥ 1), so the commands of full fine-tuning keep their job ids.
    /// </summary>
    public static IReadOnlyDictionary<string, string> OptionalDefaults { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["lora_rank"] = "0",
        ["lora_alpha"] = "16",
        ["lora_dropout"] = "0",
        ["lora_targets"] = "",
    };

    /// <summary>The hyper-parameter values of <paramref name="lora"/> (none for null: full fine-tuning).</summary>
    public static Dictionary<string, string> Values(LoraHyperParameters? lora)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (lora is null) return values;
        values["lora_rank"] = lora.Rank.ToString(CultureInfo.InvariantCulture);
        values["lora_alpha"] = lora.Alpha.ToString("R", CultureInfo.InvariantCulture);
        values["lora_dropout"] = lora.Dropout.ToString("R", CultureInfo.InvariantCulture);
        if (!string.IsNullOrWhiteSpace(lora.TargetModules)) values["lora_targets"] = lora.TargetModules;
        return values;
    }

    /// <summary>
    /// The LoRA settings in hyper-parameter values (defaults filled in by the caller): null when <c>lora_rank</c> is 0; a bad value is an
    /// <see cref="ArgumentException"/> naming its key.
    /// </summary>
    public static LoraHyperParameters? Parse(IReadOnlyDictionary<string, string> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (!int.TryParse(all["lora_rank"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rank) || rank < 0)
            throw new ArgumentException($"hyper-parameter 'lora_rank' must be a whole number ≥ 0, got '{all["lora_rank"]}'");
        double Real(string key, double min, bool inclusiveMin, double max) =>
            double.TryParse(all[key], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && (inclusiveMin ? v >= min : v > min) && v < max
                ? v : throw new ArgumentException($"hyper-parameter '{key}' must be a number in {(inclusiveMin ? "[" : "(")}{min}, {max}), got '{all[key]}'");
        var alpha = Real("lora_alpha", 0, false, double.PositiveInfinity);
        var dropout = Real("lora_dropout", 0, true, 1);
        if (rank == 0) return null;
        return new LoraHyperParameters(rank, alpha, dropout, string.IsNullOrWhiteSpace(all["lora_targets"]) ? null : all["lora_targets"]);
    }

    /// <summary>The adapter shape for <paramref name="network"/>: the job's targets, or every linear layer of its family.</summary>
    public static LoraConfig Config(LoraHyperParameters lora, ICausalLanguageModel network)
    {
        ArgumentNullException.ThrowIfNull(lora);
        ArgumentNullException.ThrowIfNull(network);
        var targets = string.IsNullOrWhiteSpace(lora.TargetModules)
            ? LoraConfig.DefaultTargets(network)
            : [.. lora.TargetModules.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        return new LoraConfig(lora.Rank, lora.Alpha, lora.Dropout, targets);
    }

    /// <summary>Refuses LoRA settings that do not fit <paramref name="network"/> before anything is written.</summary>
    /// <exception cref="InputException">Naming the <c>--lora-*</c> option at fault.</exception>
    public static void Check(LoraHyperParameters lora, ICausalLanguageModel network)
    {
        if (lora.Rank < 1) throw new InputException("--lora-rank", null, $"must be at least 1, got {lora.Rank}");
        if (!(lora.Alpha > 0) || double.IsInfinity(lora.Alpha)) throw new InputException("--lora-alpha", null, $"must be a positive number, got {lora.Alpha}");
        if (!(lora.Dropout >= 0 && lora.Dropout < 1)) throw new InputException("--lora-dropout", null, $"must be in [0, 1), got {lora.Dropout}");
        try
        {
            Config(lora, network).Validate(network);
        }
        catch (ArgumentException e)
        {
            throw new InputException("--lora-targets", null, e.Message.TrimEnd('.'));
        }
    }

    /// <summary>
    /// <c>base_model_name_or_path</c> for an adapter checkpoint at <paramref name="checkpointPath"/>: an <c>hf:</c> base's absolute directory;
    /// otherwise (builtin:*) the copy <see cref="EnsureBaseCopy"/> wrote into <c>OUT/base</c>, named relative to the checkpoint.
    /// </summary>
    public static string BaseReference(LocalTextModel policy, string baseModel, string outputDirectory, string checkpointPath)
    {
        if (ModelIds.IsHf(baseModel)) return Path.GetFullPath(ModelIds.LocalDirectory(baseModel));
        return Path.GetRelativePath(checkpointPath, EnsureBaseCopy(policy, baseModel, outputDirectory)!);
    }

    /// <summary>
    /// For a base without a directory of its own (builtin:*), writes its weights once into <c>OUT/base</c> (atomically) and returns that
    /// directory; null for an <c>hf:</c> base. Call it before the first step: a bf16 step rounds the frozen weights in memory.
    /// </summary>
    public static string? EnsureBaseCopy(LocalTextModel policy, string baseModel, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (ModelIds.IsHf(baseModel)) return null;
        var baseDirectory = Path.Combine(outputDirectory, BaseDirectoryName);
        if (LocalCheckpoint.Exists(baseDirectory)) return baseDirectory;
        var staging = baseDirectory + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        policy.Architecture.Save(policy.Network, policy.Tokenizer, staging); // the base weights alone (adapters are not saved with them)
        if (Directory.Exists(baseDirectory)) Directory.Delete(baseDirectory, recursive: true);
        Directory.Move(staging, baseDirectory);
        return baseDirectory;
    }

    /// <summary>
    /// The hash a checkpoint of <paramref name="policy"/> loads with: with adapters, base ‖ adapter combined (<see cref="PeftAdapter.CombinedSha256"/>).
    /// </summary>
    public static string CheckpointSha256(LocalTextModel policy, string baseCheckpointHash)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Adapters is { } adapters
            ? PeftAdapter.CombinedSha256(baseCheckpointHash, PeftAdapter.WeightsSha256(adapters))
            : policy.CurrentWeightsSha256();
    }
}
