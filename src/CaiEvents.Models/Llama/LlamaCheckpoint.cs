using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace CaiEvents.Models.Llama;

/// <summary>
/// The Hugging Face layout of a Llama-family checkpoint: <c>config.json</c>, <c>generation_config.json</c>, and the weights
/// either in one <c>model.safetensors</c> or in shards <c>model-0000N-of-0000M.safetensors</c> listed by
/// <c>model.safetensors.index.json</c> (<c>weight_map</c>: tensor name → shard file). Tensor names are HF's
/// (<see cref="LlamaModel"/>'s state_dict keys). Tokenizer files are not handled here.
/// <para>
/// Checkpoint sha256: for one file, the sha256 of <c>model.safetensors</c>. For shards, the sha256 of the index file's bytes
/// followed by the 32-byte sha256 of each shard, in shard order (00001, 00002, ...). Either way it changes with any weight byte.
/// </para>
/// </summary>
public static class LlamaCheckpoint
{
    public const string WeightsFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>transformers refuses safetensors files whose metadata lacks a known format.</summary>
    private static readonly IReadOnlyDictionary<string, string> Metadata = new Dictionary<string, string> { ["format"] = "pt" };

    private static readonly ScalarType[] LoadableTypes = [ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16];

    /// <summary>
    /// Loads config and weights of an HF directory onto the device and dtype of <paramref name="options"/>, one tensor at a time:
    /// each is read from its file straight into its parameter (through one temporary of that tensor's size when the dtype or
    /// device differs), so the process never holds a second copy of the weights.
    /// </summary>
    /// <returns>The model (in eval mode), its config, and the checkpoint sha256 (see the class summary).</returns>
    /// <exception cref="CheckpointFormatException">Missing or malformed file; missing, unexpected or mis-shaped tensor.</exception>
    public static (LlamaModel Model, LlamaConfig Config, string Sha256) Load(string directory, ModelOptions options) =>
        Load(directory, options, extraTensorNames: null, extras: null);

    /// <summary>
    /// <see cref="Load(string, ModelOptions)"/>, setting aside the tensors named in <paramref name="extraTensorNames"/> (a reward
    /// head, say) into <paramref name="extras"/> (see <see cref="LoadWeights(LlamaModel, IReadOnlyList{string}, string, IReadOnlySet{string}?,
    /// IDictionary{string, Tensor}?)"/>).
    /// </summary>
    public static (LlamaModel Model, LlamaConfig Config, string Sha256) Load(
        string directory, ModelOptions options, IReadOnlySet<string>? extraTensorNames, IDictionary<string, Tensor>? extras)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(directory))
        {
            throw new CheckpointFormatException(directory, null, "model directory not found");
        }
        var config = LlamaConfig.Load(Path.Combine(directory, LlamaConfig.FileName));
        var (device, dtype) = options.Resolve();
        var (files, describedBy) = WeightFiles(directory);
        var model = new LlamaModel(config, device, dtype);
        try
        {
            LoadWeights(model, files, describedBy, extraTensorNames, extras);
            model.eval();
            return (model, config, ComputeSha256(directory));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The weight files of <paramref name="directory"/>: the shards its index names (in order) or <c>model.safetensors</c>;
    /// <c>DescribedBy</c> is the index or the single file, named in "missing tensor" errors.
    /// </summary>
    public static (IReadOnlyList<string> Files, string DescribedBy) WeightFiles(string directory)
    {
        var indexPath = Path.Combine(directory, IndexFileName);
        if (File.Exists(indexPath))
        {
            return (ReadIndex(indexPath).Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(f => Path.Combine(directory, f)).ToList(), indexPath);
        }
        var single = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(single))
        {
            throw new CheckpointFormatException(directory, null, $"neither {WeightsFileName} nor {IndexFileName} is there");
        }
        return ([single], single);
    }

    /// <summary>Copies the tensors of <paramref name="files"/> into <paramref name="model"/>, one at a time.</summary>
    /// <param name="describedBy">The index or single file, named when a tensor is missing.</param>
    public static void LoadWeights(LlamaModel model, IReadOnlyList<string> files, string describedBy) =>
        LoadWeights(model, files, describedBy, extraTensorNames: null, extras: null);

    /// <summary>
    /// <see cref="LoadWeights(LlamaModel, IReadOnlyList{string}, string)"/>, setting aside the tensors named in
    /// <paramref name="extraTensorNames"/> (not weights of the network, e.g. a reward head): each present one is read into a new
    /// CPU tensor of its stored dtype and added to <paramref name="extras"/>, owned by the caller.
    /// </summary>
    public static void LoadWeights(LlamaModel model, IReadOnlyList<string> files, string describedBy,
        IReadOnlySet<string>? extraTensorNames, IDictionary<string, Tensor>? extras)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(files);
        var expected = Lora.LoraNames.BaseWeights(model.state_dict());
        var loadedFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            using var reader = SafeTensorsReader.Open(file);
            foreach (var entry in reader.Entries)
            {
                var name = entry.Name;
                if (extraTensorNames?.Contains(name) == true && extras is not null)
                {
                    extras[name] = reader.Read(name);
                    continue;
                }
                // A tied head may still be saved; old Llama checkpoints carry RoPE's inverse frequencies, which are derived here.
                if ((model.Config.TieWordEmbeddings && name == "lm_head.weight") || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal))
                {
                    continue;
                }
                if (!expected.TryGetValue(name, out var parameter))
                {
                    throw new CheckpointFormatException(file, name, $"unexpected tensor: not a weight of a {model.Config.ModelType} model with this config");
                }
                if (loadedFrom.TryGetValue(name, out var earlier))
                {
                    throw new CheckpointFormatException(file, name, $"also present in '{earlier}'");
                }
                if (!entry.Shape.SequenceEqual(parameter.shape))
                {
                    throw new CheckpointFormatException(file, name,
                        $"shape [{string.Join(", ", entry.Shape)}] does not match the config's [{string.Join(", ", parameter.shape)}]");
                }
                if (!LoadableTypes.Contains(entry.DType))
                {
                    throw new CheckpointFormatException(file, name, $"dtype {entry.DType} is not one of F32, F16, BF16");
                }
                reader.ReadInto(name, parameter);
                loadedFrom[name] = file;
            }
        }
        var missing = expected.Keys.FirstOrDefault(k => !loadedFrom.ContainsKey(k));
        if (missing is not null)
        {
            throw new CheckpointFormatException(describedBy, missing, "missing from the checkpoint");
        }
    }

    /// <summary>
    /// Writes config.json, generation_config.json and the weights of <paramref name="model"/> into <paramref name="directory"/>
    /// (created if needed; earlier weight files there are replaced). Deterministic bytes.
    /// </summary>
    /// <param name="maxShardBytes">Null: one <c>model.safetensors</c>. Otherwise shards of at most this many tensor bytes
    /// (a single larger tensor gets a shard of its own) and an index.</param>
    /// <param name="saveAs">Element type of the saved tensors (F32, F16 or BF16); null keeps the model's. Converting makes
    /// a copy of the weights while writing.</param>
    /// <param name="generation">Null: ids from the model's config.</param>
    /// <returns>The checkpoint sha256.</returns>
    /// <param name="extraTensors">Tensors stored beside the weights under their own names (a reward head, say).</param>
    public static string Save(LlamaModel model, string directory, long? maxShardBytes = null, ScalarType? saveAs = null,
        LlamaGenerationConfig? generation = null, IReadOnlyDictionary<string, Tensor>? extraTensors = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (maxShardBytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxShardBytes), maxShardBytes, "A shard size must be positive.");
        }
        if (saveAs is { } type && !LoadableTypes.Contains(type))
        {
            throw new ArgumentException($"Weights can be saved as float32, float16 or bfloat16, not {type}.", nameof(saveAs));
        }
        Directory.CreateDirectory(directory);
        var dtypeName = (saveAs ?? model.DType) switch
        {
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            _ => "float32",
        };
        (model.Config with { TorchDtype = dtypeName }).Save(Path.Combine(directory, LlamaConfig.FileName));
        (generation ?? LlamaGenerationConfig.FromModelConfig(model.Config)).Save(directory);
        // Only this layout's own names: a single file, an index, or shards model-NNNNN-of-MMMMM.safetensors.
        var stale = Directory.EnumerateFiles(directory, "model-?????-of-?????.safetensors")
            .Append(Path.Combine(directory, WeightsFileName)).Append(Path.Combine(directory, IndexFileName));
        foreach (var file in stale)
        {
            File.Delete(file);
        }
        using var scope = NewDisposeScope();
        var tensors = WithExtras(HfTensors(model, saveAs), extraTensors);
        if (maxShardBytes is not { } limit)
        {
            SafeTensors.Write(Path.Combine(directory, WeightsFileName), tensors, Metadata);
        }
        else
        {
            WriteShards(directory, tensors, limit);
        }
        return ComputeSha256(directory);
    }

    /// <summary>
    /// Writes a randomly initialised checkpoint (<see cref="LlamaModel.InitializeWeights"/>: same seed, same bytes) of a named
    /// shape: config.json, generation_config.json and the weights. The tokenizer files are a separate step.
    /// </summary>
    /// <returns>The config written and the checkpoint sha256.</returns>
    public static (LlamaConfig Config, string Sha256) WriteRandom(string directory, string modelType, string shape, int? vocabSize, long seed,
        int? bosTokenId = null, IReadOnlyList<int>? eosTokenIds = null, long? maxShardBytes = null, ScalarType? saveAs = null)
    {
        var config = LlamaShapes.Create(modelType, shape, vocabSize, bosTokenId, eosTokenIds);
        using var model = new LlamaModel(config);
        model.InitializeWeights(seed);
        return (config, Save(model, directory, maxShardBytes, saveAs));
    }

    /// <summary>The checkpoint sha256 of the weight files in <paramref name="directory"/> (see the class summary).</summary>
    public static string ComputeSha256(string directory)
    {
        var indexPath = Path.Combine(directory, IndexFileName);
        if (!File.Exists(indexPath))
        {
            return FileSha256(Path.Combine(directory, WeightsFileName));
        }
        var (files, _) = WeightFiles(directory);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(indexPath));
        foreach (var file in files)
        {
            hash.AppendData(Convert.FromHexString(FileSha256(file)));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>sha256 (lower-case hex) of the single <c>model.safetensors</c> that <see cref="Save"/> would write (no shards, same dtype).</summary>
    public static string ComputeWeightsSha256(LlamaModel model, IReadOnlyDictionary<string, Tensor>? extraTensors = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var sha = SHA256.Create();
        using (var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write))
        using (var scope = NewDisposeScope())
        {
            SafeTensors.Write(hashing, WithExtras(HfTensors(model), extraTensors), Metadata);
        }
        return Convert.ToHexStringLower(sha.Hash!);
    }

    private static Dictionary<string, Tensor> WithExtras(Dictionary<string, Tensor> weights, IReadOnlyDictionary<string, Tensor>? extraTensors)
    {
        foreach (var (name, tensor) in extraTensors ?? new Dictionary<string, Tensor>())
        {
            if (!weights.TryAdd(name, tensor.detach()))
            {
                throw new ArgumentException($"Extra tensor '{name}' has the name of a weight of the model.", nameof(extraTensors));
            }
        }
        return weights;
    }

    /// <summary>The model's weights under HF names (views, or converted copies with <paramref name="saveAs"/>, in the caller's scope).</summary>
    public static Dictionary<string, Tensor> HfTensors(LlamaModel model, ScalarType? saveAs = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in Lora.LoraNames.BaseWeights(model.state_dict()))
        {
            var value = tensor.detach();
            result[name] = saveAs is { } type && type != value.dtype ? value.to(type) : value;
        }
        return result;
    }

    private static void WriteShards(string directory, Dictionary<string, Tensor> tensors, long limit)
    {
        var shards = new List<List<string>>();
        long current = 0;
        foreach (var name in tensors.Keys.Order(StringComparer.Ordinal))
        {
            var bytes = tensors[name].NumberOfElements * tensors[name].ElementSize;
            if (shards.Count == 0 || (current > 0 && current + bytes > limit))
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(name);
            current += bytes;
        }
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < shards.Count; i++)
        {
            var fileName = string.Create(CultureInfo.InvariantCulture, $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors");
            SafeTensors.Write(Path.Combine(directory, fileName), shards[i].ToDictionary(n => n, n => tensors[n], StringComparer.Ordinal), Metadata);
            foreach (var name in shards[i])
            {
                weightMap[name] = fileName;
            }
        }
        var map = new JsonObject();
        foreach (var (name, file) in weightMap)
        {
            map[name] = file;
        }
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = tensors.Values.Sum(t => t.NumberOfElements * t.ElementSize) },
            ["weight_map"] = map,
        };
        File.WriteAllText(Path.Combine(directory, IndexFileName),
            index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", new UTF8Encoding(false));
    }

    /// <summary>weight_map of an index file: tensor name → shard file name (a plain name in the same directory).</summary>
    private static Dictionary<string, string> ReadIndex(string indexPath)
    {
        var root = JsonFields.ParseObject(File.ReadAllText(indexPath), indexPath);
        if (root["weight_map"] is not JsonObject map || map.Count == 0)
        {
            throw new CheckpointFormatException(indexPath, null, "field 'weight_map' is missing, empty or not an object");
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in map)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var file) || file.Length == 0
                || file.IndexOfAny([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]) >= 0 || file is "." or "..")
            {
                throw new CheckpointFormatException(indexPath, name, "weight_map entry must be the plain name of a file beside the index");
            }
            result[name] = file;
        }
        return result;
    }

    private static string FileSha256(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
