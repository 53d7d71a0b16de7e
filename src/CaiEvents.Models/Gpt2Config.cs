using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaiEvents.Models;

/// <summary>
/// Shape of a GPT-2-family decoder, in the vocabulary of a Hugging Face GPT-2 <c>config.json</c>.
/// </summary>
/// <param name="VocabSize">Rows of the (tied) token embedding; may exceed the tokenizer's vocabulary (padded vocabularies).</param>
/// <param name="NPositions">Learned positions, i.e. the context length.</param>
/// <param name="NInner">MLP width; null means 4 × <paramref name="NEmbd"/>, as in GPT-2.</param>
/// <param name="ActivationFunction">
/// <c>gelu_new</c> (tanh approximation, GPT-2's), <c>gelu_pytorch_tanh</c>, <c>gelu_fast</c> or <c>gelu</c> (exact erf).
/// </param>
/// <param name="ResidPdrop">Dropout after attention/MLP projections; used only while training.</param>
/// <param name="EmbdPdrop">Dropout on the embeddings; used only while training.</param>
/// <param name="AttnPdrop">Dropout on attention weights; used only while training.</param>
public sealed record Gpt2Config(
    int VocabSize,
    int NPositions,
    int NEmbd,
    int NLayer,
    int NHead,
    int BosTokenId,
    int EosTokenId,
    double LayerNormEpsilon = 1e-5,
    string ActivationFunction = "gelu_new",
    int? NInner = null,
    double ResidPdrop = 0.1,
    double EmbdPdrop = 0.1,
    double AttnPdrop = 0.1)
{
    public const string FileName = "config.json";

    /// <summary>Keys that must be present in a config.json we read.</summary>
    private static readonly string[] RequiredKeys =
        ["vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "layer_norm_epsilon", "activation_function", "bos_token_id", "eos_token_id"];

    public int InnerSize => NInner ?? 4 * NEmbd;

    public int HeadSize => NEmbd / NHead;

    /// <summary>True for the tanh approximation of GELU (GPT-2's <c>gelu_new</c> and its aliases).</summary>
    public bool UsesTanhGelu => ActivationFunction is "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast";

    /// <summary>The same shape with every dropout probability set to 0 (deterministic training).</summary>
    public Gpt2Config WithoutDropout() => this with { ResidPdrop = 0, EmbdPdrop = 0, AttnPdrop = 0 };

    /// <summary>Throws a one-line <see cref="ArgumentException"/> when the shape cannot be built.</summary>
    public void Validate()
    {
        if (VocabSize <= 0 || NPositions <= 1 || NEmbd <= 0 || NLayer <= 0 || NHead <= 0 || InnerSize <= 0)
        {
            throw new ArgumentException($"Invalid GPT-2 config: {this}.");
        }
        if (NEmbd % NHead != 0)
        {
            throw new ArgumentException($"GPT-2 config: n_embd ({NEmbd}) must be divisible by n_head ({NHead}).");
        }
        if (BosTokenId < 0 || BosTokenId >= VocabSize || EosTokenId < 0 || EosTokenId >= VocabSize)
        {
            throw new ArgumentException($"GPT-2 config: bos/eos token ids ({BosTokenId}/{EosTokenId}) must lie in [0, {VocabSize}).");
        }
        if (!UsesTanhGelu && ActivationFunction != "gelu")
        {
            throw new ArgumentException(
                $"GPT-2 config: unsupported activation_function '{ActivationFunction}'; expected gelu_new, gelu_pytorch_tanh, gelu_fast or gelu.");
        }
        if (LayerNormEpsilon <= 0 || new[] { ResidPdrop, EmbdPdrop, AttnPdrop }.Any(p => p is < 0 or >= 1))
        {
            throw new ArgumentException($"GPT-2 config: layer_norm_epsilon must be > 0 and dropouts in [0, 1): {this}.");
        }
    }

    /// <summary>Reads a Hugging Face GPT-2 <c>config.json</c>; unknown keys are ignored.</summary>
    /// <exception cref="CheckpointFormatException">Missing file, bad JSON, a missing or mistyped key, or an unsupported option.</exception>
    public static Gpt2Config Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <param name="source">Names the file in error messages.</param>
    public static Gpt2Config Parse(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject
                ?? throw new CheckpointFormatException(source, null, "config is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(source, null, $"invalid JSON ({e.Message})");
        }
        var missing = RequiredKeys.Where(k => root[k] is null).ToList();
        if (missing.Count > 0)
        {
            throw new CheckpointFormatException(source, null, $"missing required key(s): {string.Join(", ", missing)}");
        }
        // Options that change the maths of GPT-2 attention; this implementation supports only their defaults.
        if (!Get(root, "scale_attn_weights", true, source)
            || Get(root, "scale_attn_by_inverse_layer_idx", false, source)
            || Get(root, "reorder_and_upcast_attn", false, source)
            || Get(root, "add_cross_attention", false, source))
        {
            throw new CheckpointFormatException(source, null,
                "unsupported attention options (scale_attn_weights must be true; "
                + "scale_attn_by_inverse_layer_idx, reorder_and_upcast_attn, add_cross_attention false)");
        }
        var modelType = Get<string?>(root, "model_type", null, source);
        if (modelType is not null && modelType != "gpt2")
        {
            throw new CheckpointFormatException(source, null, $"model_type '{modelType}' is not supported; expected 'gpt2'");
        }
        var config = new Gpt2Config(
            VocabSize: Get(root, "vocab_size", 0, source),
            NPositions: Get(root, "n_positions", 0, source),
            NEmbd: Get(root, "n_embd", 0, source),
            NLayer: Get(root, "n_layer", 0, source),
            NHead: Get(root, "n_head", 0, source),
            BosTokenId: Get(root, "bos_token_id", 0, source),
            EosTokenId: Get(root, "eos_token_id", 0, source),
            LayerNormEpsilon: Get(root, "layer_norm_epsilon", 0.0, source),
            ActivationFunction: Get(root, "activation_function", "", source),
            NInner: Get<int?>(root, "n_inner", null, source),
            ResidPdrop: Get(root, "resid_pdrop", 0.1, source),
            EmbdPdrop: Get(root, "embd_pdrop", 0.1, source),
            AttnPdrop: Get(root, "attn_pdrop", 0.1, source));
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(source, null, e.Message);
        }
        return config;
    }

    /// <summary>
    /// A <c>config.json</c> that transformers' <c>GPT2LMHeadModel</c> can read. Keys are sorted and the
    /// layout is fixed, so the same config always gives the same bytes.
    /// </summary>
    public string ToJson()
    {
        var values = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["activation_function"] = ActivationFunction,
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["attn_pdrop"] = AttnPdrop,
            ["bos_token_id"] = BosTokenId,
            ["embd_pdrop"] = EmbdPdrop,
            ["eos_token_id"] = EosTokenId,
            ["layer_norm_epsilon"] = LayerNormEpsilon,
            ["model_type"] = "gpt2",
            ["n_ctx"] = NPositions,
            ["n_embd"] = NEmbd,
            ["n_head"] = NHead,
            ["n_inner"] = NInner,
            ["n_layer"] = NLayer,
            ["n_positions"] = NPositions,
            ["resid_pdrop"] = ResidPdrop,
            ["tie_word_embeddings"] = true,
            ["vocab_size"] = VocabSize,
        };
        var obj = new JsonObject();
        foreach (var (key, value) in values)
        {
            obj[key] = value;
        }
        return obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public void Save(string path) => File.WriteAllText(path, ToJson(), new UTF8Encoding(false));

    private static T Get<T>(JsonObject root, string key, T fallback, string source)
    {
        var node = root[key];
        if (node is null)
        {
            return fallback;
        }
        try
        {
            // Integral values written as 1.0 by some tools still bind to int.
            if (typeof(T) == typeof(int) || typeof(T) == typeof(int?))
            {
                var d = node.GetValue<double>();
                if (d != Math.Floor(d) || d is < int.MinValue or > int.MaxValue)
                {
                    throw new FormatException();
                }
                return (T)(object)(int)d;
            }
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new CheckpointFormatException(source, null, $"key '{key}' has value {node.ToJsonString()}, expected {typeof(T).Name}");
        }
    }
}
