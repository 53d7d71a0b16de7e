using CaiEvents.Models.Tokenization;
using static TorchSharp.torch;

namespace CaiEvents.Models.Llama;

/// <summary>
/// A Llama-family <c>model_type</c> (llama, mistral, qwen2, qwen3) as an <see cref="ILocalArchitecture"/>: the
/// <see cref="LlamaCheckpoint"/> layout over <see cref="LlamaModel"/> and the checkpoint's own <see cref="HfTokenizer"/>.
/// Saved checkpoints are one <c>model.safetensors</c>; the tokenizer files are written back as they were read.
/// </summary>
public sealed class LlamaArchitecture : ILocalArchitecture
{
    private LlamaArchitecture(string modelType) => Name = modelType;

    /// <summary>One entry per supported <c>model_type</c>.</summary>
    public static IReadOnlyList<LlamaArchitecture> All { get; } =
        [.. LlamaModelType.All.Select(type => new LlamaArchitecture(type))];

    public string Name { get; }

    public LoadedCheckpoint Load(string directory, ModelOptions options, IReadOnlySet<string>? extraTensorNames = null, bool withoutDropout = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(directory))
        {
            throw new CheckpointFormatException(directory, null, "model directory not found");
        }
        var tokenizer = HfTokenizer.Load(directory);
        var extras = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        LlamaModel? model = null;
        try
        {
            // No dropout in this family: withoutDropout changes nothing.
            (model, var config, var sha) = LlamaCheckpoint.Load(directory, options, extraTensorNames, extras);
            if (tokenizer.VocabCount > config.VocabSize)
            {
                throw new CheckpointFormatException(Path.Combine(directory, HfTokenizer.TokenizerJsonFileName), null,
                    $"token ids reach {tokenizer.VocabCount - 1} but config.json has vocab_size {config.VocabSize}");
            }
            return new LoadedCheckpoint(model, tokenizer, sha, extras);
        }
        catch
        {
            model?.Dispose();
            tokenizer.Dispose();
            foreach (var extra in extras.Values)
            {
                extra.Dispose();
            }
            throw;
        }
    }

    public void Save(ICausalLanguageModel network, ITextTokenizer tokenizer, string directory, IReadOnlyDictionary<string, Tensor>? extraTensors = null)
    {
        var model = Own(network);
        LlamaCheckpoint.Save(model, directory, generation: Generation(model, tokenizer), extraTensors: extraTensors);
        OwnTokenizer(tokenizer).Save(directory);
    }

    public string WeightsSha256(ICausalLanguageModel network, IReadOnlyDictionary<string, Tensor>? extraTensors = null) =>
        LlamaCheckpoint.ComputeWeightsSha256(Own(network), extraTensors);

    /// <summary>The generation config keeps the tokenizer's stop ids (an instruct model's end-of-turn among them).</summary>
    private static LlamaGenerationConfig Generation(LlamaModel model, ITextTokenizer tokenizer)
    {
        var fromConfig = LlamaGenerationConfig.FromModelConfig(model.Config);
        var eos = fromConfig.EosTokenIds.Concat(tokenizer.StopIds.Order()).Distinct().ToList();
        return fromConfig with { EosTokenIds = eos };
    }

    private LlamaModel Own(ICausalLanguageModel network) => network as LlamaModel is { } model && model.Config.ModelType == Name
        ? model
        : throw new ArgumentException($"The {Name} layout holds a {Name} {nameof(LlamaModel)}, not a {network?.GetType().Name ?? "null"}.",
            nameof(network));

    private static HfTokenizer OwnTokenizer(ITextTokenizer tokenizer) => tokenizer as HfTokenizer
        ?? throw new ArgumentException(
            $"A Llama-family checkpoint holds a {nameof(HfTokenizer)}, not a {tokenizer?.GetType().Name ?? "null"}.", nameof(tokenizer));
}
