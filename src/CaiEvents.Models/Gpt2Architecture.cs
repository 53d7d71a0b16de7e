using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// GPT-2 as an <see cref="ILocalArchitecture"/>: the <see cref="Gpt2Checkpoint"/> layout over <see cref="Gpt2Model"/> and
/// <see cref="Gpt2Tokenizer"/>.
/// </summary>
public sealed class Gpt2Architecture : ILocalArchitecture
{
    public const string ModelType = "gpt2";

    public static Gpt2Architecture Instance { get; } = new();

    private Gpt2Architecture()
    {
    }

    public string Name => ModelType;

    /// <summary>
    /// A GPT-2 text model whose weights come from <see cref="ModelOptions.Seed"/> alone. Its checkpoint hash is the
    /// sha256 of the <c>model.safetensors</c> that <see cref="LocalTextModel.Save"/> writes for these weights.
    /// </summary>
    public static LocalTextModel CreateRandom(string modelId, Gpt2Config config, Gpt2Tokenizer tokenizer, ModelOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        if (tokenizer.VocabCount > config.VocabSize)
        {
            throw new ArgumentException($"Tokenizer ids reach {tokenizer.VocabCount - 1} but the config has vocab_size {config.VocabSize}.", nameof(config));
        }
        options.Resolve(); // fail on bad options before allocating anything
        var module = new Gpt2Model(config);
        try
        {
            module.InitializeWeights(options.Seed);
            // The hash is taken before the move to the configured device and dtype, of the float32 weights.
            return new LocalTextModel(modelId, Instance, module, tokenizer, Gpt2Checkpoint.ComputeWeightsSha256(module), options);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    public LoadedCheckpoint Load(string directory, ModelOptions options, IReadOnlySet<string>? extraTensorNames = null, bool withoutDropout = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (device, dtype) = options.Resolve();
        var (model, tokenizer, sha, extras) = Gpt2Checkpoint.Load(directory, extraTensorNames, withoutDropout);
        try
        {
            return new LoadedCheckpoint(model.to(device, dtype), tokenizer, sha, extras);
        }
        catch
        {
            model.Dispose();
            foreach (var extra in extras.Values)
            {
                extra.Dispose();
            }
            throw;
        }
    }

    public void Save(ICausalLanguageModel network, ITextTokenizer tokenizer, string directory, IReadOnlyDictionary<string, Tensor>? extraTensors = null) =>
        Gpt2Checkpoint.Save(Own(network), OwnTokenizer(tokenizer), directory, extraTensors);

    public string WeightsSha256(ICausalLanguageModel network, IReadOnlyDictionary<string, Tensor>? extraTensors = null) =>
        Gpt2Checkpoint.ComputeWeightsSha256(Own(network), extraTensors);

    private static Gpt2Model Own(ICausalLanguageModel network) => network as Gpt2Model
        ?? throw new ArgumentException($"The GPT-2 layout holds a {nameof(Gpt2Model)}, not a {network?.GetType().Name ?? "null"}.", nameof(network));

    private static Gpt2Tokenizer OwnTokenizer(ITextTokenizer tokenizer) => tokenizer as Gpt2Tokenizer
        ?? throw new ArgumentException(
            $"The GPT-2 layout holds a {nameof(Gpt2Tokenizer)}, not a {tokenizer?.GetType().Name ?? "null"}.", nameof(tokenizer));
}
