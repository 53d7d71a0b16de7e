namespace CaiEvents.Models.Llama;

/// <summary>
/// Named model shapes for random checkpoints (<c>cai model init</c>). <c>tiny</c>: hidden 64, 2 layers, 4 heads, 2 kv heads,
/// MLP 128, each type showing its own feature (llama: untied head and llama3 rope scaling; mistral: untied head and a
/// 256-token sliding window; qwen2: q/k/v biases, tied; qwen3: head_dim 32 ≠ 64/4 and q/k norms, tied). <c>small</c>:
/// SmolLM2-135M's shape (hidden 576, 30 layers, 9 heads, 3 kv heads, MLP 1536, vocab 49152, 8192 positions, rope_theta
/// 100000, tied) with each type's own features.
/// </summary>
public static class LlamaShapes
{
    public const string Tiny = "tiny";
    public const string Small = "small";

    /// <summary>SmolLM2's vocabulary size, the default of <c>small</c>.</summary>
    public const int SmallVocabSize = 49152;

    public static IReadOnlyList<string> All { get; } = [Tiny, Small];

    /// <summary>The config of shape <paramref name="shape"/> for <paramref name="modelType"/>.</summary>
    /// <param name="vocabSize">Rows of the embedding (the tokenizer's size); null for <c>small</c> means 49152 and is required for <c>tiny</c>.</param>
    /// <exception cref="ArgumentException">Unknown type or shape, one line naming the known ones.</exception>
    public static LlamaConfig Create(
        string modelType, string shape, int? vocabSize = null, int? bosTokenId = null, IReadOnlyList<int>? eosTokenIds = null)
    {
        if (!LlamaModelType.All.Contains(modelType))
        {
            throw new ArgumentException(
                $"model_type '{modelType}' is not supported; expected one of {string.Join(", ", LlamaModelType.All)}.", nameof(modelType));
        }
        var config = shape switch
        {
            Tiny => TinyConfig(modelType,
                vocabSize ?? throw new ArgumentException("The tiny shape needs the tokenizer's vocabulary size.", nameof(vocabSize))),
            Small => SmallConfig(modelType, vocabSize ?? SmallVocabSize),
            _ => throw new ArgumentException($"Unknown model shape '{shape}'; expected one of {string.Join(", ", All)}.", nameof(shape)),
        };
        config = config with { BosTokenId = bosTokenId, EosTokenIds = eosTokenIds ?? [] };
        config.Validate();
        return config;
    }

    private static LlamaConfig TinyConfig(string modelType, int vocabSize)
    {
        var config = new LlamaConfig(modelType, vocabSize, HiddenSize: 64, IntermediateSize: 128, NumHiddenLayers: 2, NumAttentionHeads: 4,
            NumKeyValueHeads: 2, HeadDim: 16, MaxPositionEmbeddings: 1024, RmsNormEps: 1e-5, RopeTheta: 10000);
        return modelType switch
        {
            // Original context 256: with head_dim 16 the wavelengths (2π·10000^(i/8)) fall in all three llama3 bands.
            LlamaModelType.Llama => config with { RopeScaling = new RopeScaling(RopeScaling.Llama3, 8, 1, 4, 256) },
            LlamaModelType.Mistral => config with { SlidingWindow = 256 },
            LlamaModelType.Qwen2 => config with { TieWordEmbeddings = true, RmsNormEps = 1e-6, RopeTheta = 1000000 },
            _ => config with { TieWordEmbeddings = true, HeadDim = 32, RmsNormEps = 1e-6, RopeTheta = 1000000 },
        };
    }

    private static LlamaConfig SmallConfig(string modelType, int vocabSize)
    {
        var config = new LlamaConfig(modelType, vocabSize, HiddenSize: 576, IntermediateSize: 1536, NumHiddenLayers: 30, NumAttentionHeads: 9,
            NumKeyValueHeads: 3, HeadDim: 64, MaxPositionEmbeddings: 8192, RmsNormEps: 1e-5, RopeTheta: 100000, TieWordEmbeddings: true);
        return modelType == LlamaModelType.Mistral ? config with { SlidingWindow = 4096 } : config;
    }
}
