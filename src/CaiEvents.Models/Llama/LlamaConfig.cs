using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaiEvents.Models.Llama;

/// <summary>
/// Shape of a Llama-family decoder (<c>model_type</c> llama, mistral, qwen2, qwen3), in the vocabulary of a Hugging Face
/// <c>config.json</c>. SmolLM2 and TinyLlama are <c>llama</c>.
/// </summary>
/// <param name="ModelType">One of <see cref="LlamaModelType.All"/>.</param>
/// <param name="HeadDim">Width of one attention head; HF's default is hidden_size / num_attention_heads, qwen3 gives it explicitly.</param>
/// <param name="AttentionBias">
/// llama/qwen3: biases on q, k, v and o projections. qwen2 always has q/k/v biases (and none on o) whatever this says.
/// </param>
/// <param name="SlidingWindow">
/// Attention span: mistral's every layer when set; qwen2/qwen3's layers from <paramref name="MaxWindowLayers"/> on when
/// <paramref name="UseSlidingWindow"/>. See <see cref="EffectiveSlidingWindow"/>.
/// </param>
/// <param name="MaxWindowLayers">qwen2/qwen3: layers below this index attend fully (null: transformers' default 28).</param>
/// <param name="EosTokenIds">
/// One or more end-of-sequence ids (HF allows an int or a list). A list: record equality compares it by reference.
/// </param>
/// <param name="TorchDtype">The dtype the weights were saved in, as HF names it (informational).</param>
public sealed record LlamaConfig(
    string ModelType,
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int HeadDim,
    int MaxPositionEmbeddings,
    double RmsNormEps = 1e-6,
    double RopeTheta = 10000,
    RopeScaling? RopeScaling = null,
    bool TieWordEmbeddings = false,
    bool AttentionBias = false,
    bool MlpBias = false,
    int? SlidingWindow = null,
    bool UseSlidingWindow = false,
    int? MaxWindowLayers = null,
    int? BosTokenId = null,
    IReadOnlyList<int>? EosTokenIds = null,
    string? TorchDtype = "float32",
    double InitializerRange = 0.02)
{
    public const string FileName = "config.json";

    /// <summary>transformers' default max_window_layers for qwen2 and qwen3 when config.json omits it.</summary>
    public const int DefaultMaxWindowLayers = 28;

    private static readonly string[] RequiredKeys =
        ["model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "max_position_embeddings"];

    /// <summary>q, k and v projections carry biases (always for qwen2).</summary>
    public bool QkvBias => ModelType == LlamaModelType.Qwen2 || AttentionBias;

    /// <summary>The output projection carries a bias (llama/qwen3 with attention_bias; never qwen2 or mistral).</summary>
    public bool OutputBias => AttentionBias && ModelType != LlamaModelType.Qwen2;

    /// <summary>qwen3's per-head RMSNorm of queries and keys before RoPE.</summary>
    public bool QkNorm => ModelType == LlamaModelType.Qwen3;

    /// <summary>The window attention is limited to, or null where every layer attends to the whole sequence.</summary>
    public int? EffectiveSlidingWindow => ModelType switch
    {
        LlamaModelType.Mistral => SlidingWindow,
        // transformers gives layers i >= max_window_layers the window, so with max_window_layers >= the depth no layer has one.
        LlamaModelType.Qwen2 or LlamaModelType.Qwen3 when UseSlidingWindow && (MaxWindowLayers ?? DefaultMaxWindowLayers) < NumHiddenLayers
            => SlidingWindow,
        _ => null,
    };

    /// <summary>Throws a one-line <see cref="ArgumentException"/> naming the field when the shape cannot be built.</summary>
    public void Validate()
    {
        if (!LlamaModelType.All.Contains(ModelType))
        {
            throw new ArgumentException($"model_type '{ModelType}' is not supported; expected one of {string.Join(", ", LlamaModelType.All)}.");
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw new ArgumentException(
                $"num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads}).");
        }
        if (HeadDim % 2 != 0)
        {
            throw new ArgumentException($"head_dim ({HeadDim}) must be even for rotary embeddings.");
        }
        if (!(RmsNormEps > 0))
        {
            throw new ArgumentException($"rms_norm_eps ({RmsNormEps}) must be > 0.");
        }
        if (!(RopeTheta > 0))
        {
            throw new ArgumentException($"rope_theta ({RopeTheta}) must be > 0.");
        }
        if (MlpBias && ModelType != LlamaModelType.Llama)
        {
            throw new ArgumentException($"mlp_bias true is supported for model_type llama only, not '{ModelType}'.");
        }
        if (AttentionBias && ModelType == LlamaModelType.Mistral)
        {
            throw new ArgumentException("attention_bias true is not supported for model_type mistral.");
        }
        if (SlidingWindow is <= 0)
        {
            throw new ArgumentException($"sliding_window ({SlidingWindow}) must be > 0 or null.");
        }
        if (UseSlidingWindow && SlidingWindow is null)
        {
            throw new ArgumentException("use_sliding_window is true but sliding_window is null.");
        }
        ValidateRopeScaling(RopeScaling);
        if (BosTokenId is { } bos && (bos < 0 || bos >= VocabSize))
        {
            throw new ArgumentException($"bos_token_id ({bos}) must lie in [0, {VocabSize}).");
        }
        foreach (var eos in EosTokenIds ?? [])
        {
            if (eos < 0 || eos >= VocabSize)
            {
                throw new ArgumentException($"eos_token_id ({eos}) must lie in [0, {VocabSize}).");
            }
        }
        if (!(InitializerRange >= 0))
        {
            throw new ArgumentException($"initializer_range ({InitializerRange}) must be >= 0.");
        }
    }

    /// <summary>Reads a Hugging Face <c>config.json</c>; unknown keys are ignored.</summary>
    /// <exception cref="CheckpointFormatException">Missing file, bad JSON, a missing or mistyped field, an unsupported option.</exception>
    public static LlamaConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>
    /// The <c>model_type</c> of a <c>config.json</c> (null when it has none), to tell a Llama-family directory from a GPT-2 one
    /// before choosing a loader.
    /// </summary>
    /// <exception cref="CheckpointFormatException">Missing file or bad JSON.</exception>
    public static string? ReadModelType(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        return JsonFields.Get<string?>(JsonFields.ParseObject(File.ReadAllText(path), path), "model_type", null, path);
    }

    /// <param name="source">Names the file in error messages.</param>
    public static LlamaConfig Parse(string json, string source)
    {
        var root = JsonFields.ParseObject(json, source);
        var modelType = JsonFields.Get<string?>(root, "model_type", null, source);
        if (modelType is null || !LlamaModelType.All.Contains(modelType))
        {
            throw new CheckpointFormatException(source, null,
                $"field 'model_type' is '{modelType ?? "(missing)"}'; supported model types: {string.Join(", ", LlamaModelType.All)}");
        }
        var missing = RequiredKeys.Where(k => root[k] is null).ToList();
        if (missing.Count > 0)
        {
            throw new CheckpointFormatException(source, null, $"missing required field(s): {string.Join(", ", missing)}");
        }
        var hiddenAct = JsonFields.Get(root, "hidden_act", "silu", source);
        if (hiddenAct != "silu")
        {
            throw new CheckpointFormatException(source, null, $"field 'hidden_act' is '{hiddenAct}'; only 'silu' is supported");
        }
        var heads = JsonFields.Get(root, "num_attention_heads", 0, source);
        var hidden = JsonFields.Get(root, "hidden_size", 0, source);
        var headDim = JsonFields.Get<int?>(root, "head_dim", null, source);
        if (headDim is null && heads > 0 && hidden % heads != 0)
        {
            throw new CheckpointFormatException(source, null,
                $"field 'hidden_size' ({hidden}) is not divisible by num_attention_heads ({heads}) and no head_dim is given");
        }
        var config = new LlamaConfig(
            ModelType: modelType,
            VocabSize: JsonFields.Get(root, "vocab_size", 0, source),
            HiddenSize: hidden,
            IntermediateSize: JsonFields.Get(root, "intermediate_size", 0, source),
            NumHiddenLayers: JsonFields.Get(root, "num_hidden_layers", 0, source),
            NumAttentionHeads: heads,
            NumKeyValueHeads: JsonFields.Get<int?>(root, "num_key_value_heads", null, source) ?? heads,
            HeadDim: headDim ?? (heads > 0 ? hidden / heads : 0),
            MaxPositionEmbeddings: JsonFields.Get(root, "max_position_embeddings", 0, source),
            RmsNormEps: JsonFields.Get(root, "rms_norm_eps", 1e-6, source),
            RopeTheta: ReadRopeTheta(root, source),
            RopeScaling: ParseRopeScaling(root["rope_scaling"] ?? root["rope_parameters"], source),
            TieWordEmbeddings: JsonFields.Get(root, "tie_word_embeddings", false, source),
            AttentionBias: JsonFields.Get(root, "attention_bias", false, source),
            MlpBias: JsonFields.Get(root, "mlp_bias", false, source),
            SlidingWindow: JsonFields.Get<int?>(root, "sliding_window", null, source),
            UseSlidingWindow: JsonFields.Get(root, "use_sliding_window", false, source),
            MaxWindowLayers: JsonFields.Get<int?>(root, "max_window_layers", null, source),
            BosTokenId: JsonFields.Get<int?>(root, "bos_token_id", null, source),
            EosTokenIds: JsonFields.IntOrList(root, "eos_token_id", source),
            TorchDtype: JsonFields.Get<string?>(root, "torch_dtype", null, source) ?? JsonFields.Get<string?>(root, "dtype", null, source),
            InitializerRange: JsonFields.Get(root, "initializer_range", 0.02, source));
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(source, null, e.Message.TrimEnd('.'));
        }
        return config;
    }

    /// <summary>
    /// A <c>config.json</c> that transformers' <c>*ForCausalLM</c> class for <see cref="ModelType"/> reads. Keys are sorted and the
    /// layout is fixed, so the same config always gives the same bytes.
    /// </summary>
    public string ToJson()
    {
        var values = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["architectures"] = new JsonArray(LlamaModelType.Architecture(ModelType)),
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = JsonFields.IntOrListNode(EosTokenIds),
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["hidden_size"] = HiddenSize,
            ["initializer_range"] = InitializerRange,
            ["intermediate_size"] = IntermediateSize,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["model_type"] = ModelType,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_scaling"] = RopeScalingNode(RopeScaling),
            ["rope_theta"] = RopeTheta,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = TorchDtype,
            ["use_cache"] = true,
            ["vocab_size"] = VocabSize,
        };
        if (ModelType is LlamaModelType.Llama or LlamaModelType.Qwen3)
        {
            values["attention_bias"] = AttentionBias;
        }
        if (ModelType == LlamaModelType.Llama)
        {
            values["mlp_bias"] = MlpBias;
        }
        if (ModelType != LlamaModelType.Llama)
        {
            values["sliding_window"] = SlidingWindow;
        }
        if (ModelType is LlamaModelType.Qwen2 or LlamaModelType.Qwen3)
        {
            values["use_sliding_window"] = UseSlidingWindow;
        }
        if (MaxWindowLayers is { } windowLayers)
        {
            values["max_window_layers"] = windowLayers;
        }
        var obj = new JsonObject();
        foreach (var (key, value) in values)
        {
            obj[key] = value;
        }
        return obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public void Save(string path) => File.WriteAllText(path, ToJson(), new UTF8Encoding(false));

    private static void Positive(int value, string field)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{field} ({value}) must be > 0.");
        }
    }

    private static void ValidateRopeScaling(RopeScaling? scaling)
    {
        if (scaling is null)
        {
            return;
        }
        if (scaling.Type is not (RopeScaling.Linear or RopeScaling.Llama3))
        {
            throw new ArgumentException($"rope_scaling type '{scaling.Type}' is not supported; expected linear or llama3 (or no rope_scaling).");
        }
        if (!(scaling.Factor > 0))
        {
            throw new ArgumentException($"rope_scaling factor ({scaling.Factor}) must be > 0.");
        }
        if (scaling.Type == RopeScaling.Llama3
            && (scaling.LowFreqFactor is not > 0 || scaling.HighFreqFactor is not > 0 || scaling.OriginalMaxPositionEmbeddings is not > 0
                || scaling.HighFreqFactor <= scaling.LowFreqFactor))
        {
            throw new ArgumentException(
                "rope_scaling llama3 needs low_freq_factor > 0, high_freq_factor > low_freq_factor and original_max_position_embeddings > 0.");
        }
    }

    /// <summary>
    /// <c>rope_theta</c>, or where newer transformers write it, <c>rope_parameters.rope_theta</c> (which then also holds the
    /// scaling); 10000 when neither is given, as transformers assumes.
    /// </summary>
    private static double ReadRopeTheta(JsonObject root, string source)
    {
        var theta = JsonFields.Get<double?>(root, "rope_theta", null, source);
        if (theta is null && root["rope_parameters"] is JsonObject parameters)
        {
            theta = JsonFields.Get<double?>(parameters, "rope_theta", null, source);
        }
        return theta ?? 10000.0;
    }

    private static RopeScaling? ParseRopeScaling(JsonNode? node, string source)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonObject obj)
        {
            throw new CheckpointFormatException(source, null, $"field 'rope_scaling' has value {node.ToJsonString()}, expected an object or null");
        }
        var type = JsonFields.Get<string?>(obj, "rope_type", null, source) ?? JsonFields.Get<string?>(obj, "type", null, source);
        if (type == "default")
        {
            return null;
        }
        if (type is not (RopeScaling.Linear or RopeScaling.Llama3))
        {
            throw new CheckpointFormatException(source, null,
                $"field 'rope_scaling' has type '{type ?? "(missing)"}'; supported: linear, llama3 (or no rope_scaling)");
        }
        return new RopeScaling(
            type,
            JsonFields.Get(obj, "factor", 0.0, source),
            JsonFields.Get<double?>(obj, "low_freq_factor", null, source),
            JsonFields.Get<double?>(obj, "high_freq_factor", null, source),
            JsonFields.Get<int?>(obj, "original_max_position_embeddings", null, source));
    }

    private static JsonNode? RopeScalingNode(RopeScaling? scaling)
    {
        if (scaling is null)
        {
            return null;
        }
        var obj = new JsonObject { ["factor"] = scaling.Factor };
        if (scaling.Type == RopeScaling.Llama3)
        {
            obj["high_freq_factor"] = scaling.HighFreqFactor;
            obj["low_freq_factor"] = scaling.LowFreqFactor;
            obj["original_max_position_embeddings"] = scaling.OriginalMaxPositionEmbeddings;
        }
        obj["rope_type"] = scaling.Type;
        // Older transformers read "type"; both are written so either version reads the same scaling.
        obj["type"] = scaling.Type;
        return obj;
    }
}
