using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace CaiEvents.Models.Lora;

/// <summary>
/// A LoRA adapter directory in PEFT's layout: <c>adapter_config.json</c> (peft_type LORA, task_type, r, lora_alpha,
/// lora_dropout, target_modules, modules_to_save, base_model_name_or_path, bias none, fan_in_fan_out, inference_mode) and
/// <c>adapter_model.safetensors</c> under PEFT's keys (<see cref="LoraNames"/>), so Python's PEFT loads what is written here.
/// A causal LM's adapter (task_type CAUSAL_LM) holds the LoRA factors alone; a preference model's (SEQ_CLS) also holds its fully
/// trained score head as a <c>modules_to_save</c> module (<see cref="PeftSavedModules"/>).
/// </summary>
public static class PeftAdapter
{
    public const string ConfigFileName = "adapter_config.json";
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>PEFT's task type of a causal language model's adapter.</summary>
    public const string CausalLmTask = "CAUSAL_LM";

    /// <summary>PEFT's task type of a sequence classifier's adapter (a reward model: one score per sequence).</summary>
    public const string SequenceClassificationTask = "SEQ_CLS";

    private static readonly IReadOnlyDictionary<string, string> Metadata = new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>True when <paramref name="directory"/> holds an adapter config (and so names a base model to load first).</summary>
    public static bool IsAdapterDirectory(string directory) => File.Exists(Path.Combine(directory, ConfigFileName));

    /// <summary>
    /// Writes the adapter of <paramref name="adapters"/> into <paramref name="directory"/> (created if needed). Same bytes for the same weights.
    /// </summary>
    /// <param name="savedModules">Fully trained modules saved beside the adapter (a reward model's head), or null for a causal LM's adapter.</param>
    public static void Save(LoraAdapters adapters, string directory, string baseModelNameOrPath, PeftSavedModules? savedModules = null)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(baseModelNameOrPath);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ConfigFileName), ConfigJson(adapters, baseModelNameOrPath, savedModules), new UTF8Encoding(false));
        using var scope = NewDisposeScope();
        SafeTensors.Write(Path.Combine(directory, WeightsFileName), Tensors(adapters, savedModules), Metadata);
    }

    /// <summary>The sha256 (lower-case hex) of the adapter weights that <see cref="Save"/> would write now.</summary>
    public static string WeightsSha256(LoraAdapters adapters, PeftSavedModules? savedModules = null)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        using var sha = SHA256.Create();
        using (var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write))
        using (var scope = NewDisposeScope())
        {
            SafeTensors.Write(hashing, Tensors(adapters, savedModules), Metadata);
        }
        return Convert.ToHexStringLower(sha.Hash!);
    }

    /// <summary>
    /// Every saved tensor under its PEFT key. PEFT keeps a <c>modules_to_save</c> module's trained copy as
    /// <c>base_model.model.score.modules_to_save.default.weight</c> and saves it without <c>modules_to_save.default</c>:
    /// <c>base_model.model.score.weight</c>.
    /// </summary>
    private static Dictionary<string, Tensor> Tensors(LoraAdapters adapters, PeftSavedModules? savedModules)
    {
        var tensors = adapters.PeftTensors();
        foreach (var (name, tensor) in savedModules?.Tensors ?? new Dictionary<string, Tensor>())
        {
            tensors[LoraNames.PeftPrefix + name] = tensor.detach();
        }
        return tensors;
    }

    /// <summary>
    /// The checkpoint hash of a base model with an adapter: sha256 of the two lower-case hex hashes written one after the other
    /// (base first) as ASCII, so either file changing changes it.
    /// </summary>
    public static string CombinedSha256(string baseSha256, string adapterSha256) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(baseSha256 + adapterSha256)));

    /// <summary>PEFT's <c>adapter_config.json</c> text for <paramref name="adapters"/> (keys sorted, as PEFT writes them).</summary>
    public static string ConfigJson(LoraAdapters adapters, string baseModelNameOrPath, PeftSavedModules? savedModules = null)
    {
        var config = adapters.Config;
        var modules = savedModules?.ModuleNames ?? [];
        var root = new JsonObject
        {
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = adapters.Network is Gpt2Model,
            ["inference_mode"] = true,
            ["lora_alpha"] = Number(config.Alpha),
            ["lora_dropout"] = config.Dropout,
            ["modules_to_save"] = modules.Count == 0 ? null : new JsonArray([.. modules.Select(m => (JsonNode?)JsonValue.Create(m))]),
            ["peft_type"] = "LORA",
            ["r"] = config.Rank,
            ["target_modules"] = new JsonArray([.. config.TargetModules.Select(t => (JsonNode?)JsonValue.Create(t))]),
            ["task_type"] = savedModules?.TaskType ?? CausalLmTask,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Reads and checks <c>adapter_config.json</c>.</summary>
    /// <exception cref="CheckpointFormatException">A missing or malformed file, or a field this loader cannot honour.</exception>
    public static PeftAdapterConfig ReadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(path)) throw new CheckpointFormatException(path, null, "file not found");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new CheckpointFormatException(path, null, "not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, null, $"not valid JSON (line {e.LineNumber + 1})");
        }
        string Text(string field) => root[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : throw new CheckpointFormatException(path, field, "missing or not a string");
        double Real(string field) => root[field] is JsonValue v && v.TryGetValue<double>(out var d) ? d
            : throw new CheckpointFormatException(path, field, "missing or not a number");
        if (Text("peft_type") != "LORA") throw new CheckpointFormatException(path, "peft_type", $"'{Text("peft_type")}' is not LORA");
        if (root["bias"] is JsonValue bias && bias.TryGetValue<string>(out var b) && b != "none")
        {
            throw new CheckpointFormatException(path, "bias", $"'{b}' is not supported (only \"none\")");
        }
        var modulesToSave = root["modules_to_save"] switch
        {
            null => [],
            JsonArray array => array.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw new CheckpointFormatException(path, "modules_to_save", "holds a value that is not a string")).ToList(),
            _ => throw new CheckpointFormatException(path, "modules_to_save", "not a list of names"),
        };
        var taskType = root["task_type"] is JsonValue t && t.TryGetValue<string>(out var task) ? task : CausalLmTask;
        var rank = Real("r");
        if (rank != Math.Floor(rank) || rank < 1) throw new CheckpointFormatException(path, "r", $"{rank} is not a positive whole number");
        var targets = root["target_modules"] switch
        {
            JsonArray array => array.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw new CheckpointFormatException(path, "target_modules", "holds a value that is not a string")).ToList(),
            JsonValue single when single.TryGetValue<string>(out var s) => [s],
            _ => throw new CheckpointFormatException(path, "target_modules", "missing or not a list of names"),
        };
        var dropout = root["lora_dropout"] is null ? 0 : Real("lora_dropout");
        var fanInFanOut = root["fan_in_fan_out"] is JsonValue f && f.TryGetValue<bool>(out var flag) && flag;
        return new PeftAdapterConfig(new LoraConfig((int)rank, Real("lora_alpha"), dropout, targets), Text("base_model_name_or_path"), fanInFanOut,
            modulesToSave, taskType);
    }

    /// <summary>
    /// The base model's directory: <c>base_model_name_or_path</c> without an <c>hf:</c> prefix, taken relative to the adapter directory
    /// unless absolute.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The directory does not exist.</exception>
    public static string BaseDirectory(string adapterDirectory, string baseModelNameOrPath)
    {
        var name = baseModelNameOrPath.StartsWith(ModelCatalog.HfScheme, StringComparison.Ordinal)
            ? baseModelNameOrPath[ModelCatalog.HfScheme.Length..]
            : baseModelNameOrPath;
        var directory = Path.GetFullPath(Path.IsPathRooted(name) ? name : Path.Combine(adapterDirectory, name));
        if (!Directory.Exists(directory))
        {
            throw new CheckpointFormatException(Path.Combine(adapterDirectory, ConfigFileName), "base_model_name_or_path",
                $"base model directory '{directory}' not found");
        }
        return directory;
    }

    /// <summary>
    /// Loads the base model an adapter directory names, attaches the adapter (base weights frozen) and reads its weights.
    /// The checkpoint hash of the result is <see cref="CombinedSha256"/> of the base's hash and the adapter file's sha256.
    /// </summary>
    /// <param name="savedModules">
    /// The <c>modules_to_save</c> names the caller has a place for (a reward model: <c>score</c>); their tensors come back in
    /// <see cref="LoadedAdapterModel.SavedModules"/>. An adapter saving any other module is refused.
    /// </param>
    /// <exception cref="CheckpointFormatException">A missing or malformed adapter or base directory, or an adapter that does not fit the base.</exception>
    public static LoadedAdapterModel Load(string directory, ModelOptions options, bool withoutDropout = false, IReadOnlyCollection<string>? savedModules = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        var config = ReadConfig(directory);
        if (config.ModulesToSave.FirstOrDefault(m => savedModules?.Contains(m) != true) is { } extra)
        {
            throw new CheckpointFormatException(Path.Combine(directory, ConfigFileName), "modules_to_save",
                $"module '{extra}' (task_type {config.TaskType}) has no place in this model"
                + (config.TaskType == SequenceClassificationTask ? ": a preference model's adapter loads as a preference model (cai pm, --pm)" : ""));
        }
        var baseDirectory = BaseDirectory(directory, config.BaseModelNameOrPath);
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath)) throw new CheckpointFormatException(weightsPath, null, "file not found");
        var (architecture, checkpoint) = ModelArchitectures.Load(baseDirectory, options, withoutDropout: withoutDropout);
        try
        {
            var configPath = Path.Combine(directory, ConfigFileName);
            if (config.FanInFanOut != checkpoint.Network is Gpt2Model)
            {
                throw new CheckpointFormatException(configPath, "fan_in_fan_out",
                    $"{config.FanInFanOut.ToString().ToLowerInvariant()} does not fit a {architecture.Name} base model");
            }
            LoraAdapters adapters;
            try
            {
                adapters = LoraAdapters.Attach(checkpoint.Network, config.Lora, seed: 0);
            }
            catch (ArgumentException e)
            {
                throw new CheckpointFormatException(configPath, null, e.Message.TrimEnd('.'));
            }
            var saved = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            using (var file = SafeTensors.Read(weightsPath))
            {
                var prefixes = config.ModulesToSave.Select(m => LoraNames.PeftPrefix + m + ".").ToList();
                var adapterTensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                foreach (var (key, tensor) in file.Tensors)
                {
                    if (prefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
                        saved[key[LoraNames.PeftPrefix.Length..]] = tensor.clone().DetachFromDisposeScope();
                    else
                        adapterTensors[key] = tensor;
                }
                adapters.Load(adapterTensors, weightsPath);
            }
            string adapterSha;
            using (var stream = File.OpenRead(weightsPath))
            {
                adapterSha = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            var provenance = new AdapterProvenance(baseDirectory, checkpoint.WeightsSha256, adapterSha);
            return new LoadedAdapterModel(architecture, checkpoint, adapters, provenance, saved);
        }
        catch
        {
            (checkpoint.Network as IDisposable)?.Dispose();
            (checkpoint.Tokenizer as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>A JSON number for alpha: whole numbers as integers (PEFT's configs hold an int there).</summary>
    private static JsonNode Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < int.MaxValue
            ? JsonValue.Create((int)value)
            : JsonValue.Create(value);
}
