using CaiEvents.Models.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models.Llama;

/// <summary>
/// Llama-family decoder (llama, mistral, qwen2, qwen3): token embedding, pre-RMSNorm blocks of grouped-query attention with
/// rotary positions and a SwiGLU MLP, a final RMSNorm and an output head (tied to the embedding or its own <c>lm_head</c>).
/// Submodule names mirror Hugging Face's <c>*ForCausalLM</c> (<c>model.embed_tokens</c>, <c>model.layers.N.input_layernorm</c>,
/// <c>model.layers.N.self_attn.{q,k,v,o}_proj</c>, <c>.self_attn.{q,k}_norm</c> for qwen3, <c>.post_attention_layernorm</c>,
/// <c>.mlp.{gate,up,down}_proj</c>, <c>model.norm</c>, <c>lm_head</c>), so <see cref="nn.Module.state_dict"/> keys are HF's keys.
/// Works with autograd; there is no dropout.
/// </summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor>, ICausalLanguageModel, IActivationCheckpointing
{
    private readonly LlamaDecoderStack model;
    private readonly Linear? lm_head;
    private readonly double[] inverseFrequencies;

    /// <summary>Builds the network with freshly initialised weights (TorchSharp's defaults) on <paramref name="device"/>.</summary>
    public LlamaModel(LlamaConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        model = new LlamaDecoderStack(nameof(model), config, device, dtype);
        if (!config.TieWordEmbeddings)
        {
            lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, device, dtype);
        }
        inverseFrequencies = RotaryEmbedding.InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    /// <summary>
    /// The token embedding [V, C] (also the output projection when tied). TorchSharp hands out a new tensor handle on each
    /// read: dispose it, or read it inside a dispose scope.
    /// </summary>
    public Tensor TokenEmbedding => model.EmbeddingWeight;

    /// <inheritdoc/>
    public bool ActivationCheckpointing
    {
        get => model.ActivationCheckpointing;
        set => model.ActivationCheckpointing = value;
    }

    public Device Device
    {
        get
        {
            using var scope = NewDisposeScope();
            return TokenEmbedding.device;
        }
    }

    public ScalarType DType
    {
        get
        {
            using var scope = NewDisposeScope();
            return TokenEmbedding.dtype;
        }
    }

    /// <summary>Logits [B, T, V] for token ids [B, T] starting at position 0, no padding.</summary>
    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>Logits [B, T, V]; see <see cref="HiddenStates"/> for the arguments.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, LlamaKvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        return Logits(HiddenStates(inputIds, attentionMask, cache)).MoveToOuterDisposeScope();
    }

    /// <summary>Output logits [..., V] from final hidden states [..., C]: <c>lm_head</c>, or hidden · embed_tokensᵀ when tied.</summary>
    public Tensor Logits(Tensor hidden)
    {
        if (lm_head is not null)
        {
            return lm_head.forward(hidden);
        }
        using var scope = NewDisposeScope();
        return F.linear(hidden, TokenEmbedding).MoveToOuterDisposeScope();
    }

    /// <summary>Final hidden states [B, T, C] (after <c>model.norm</c>).</summary>
    /// <param name="inputIds">Token ids [B, T], int64.</param>
    /// <param name="attentionMask">
    /// Optional [B, P + T] where P is the number of cached tokens: 1 for real tokens, 0 for left padding.
    /// Positions count real tokens only (cumsum − 1), so left padding does not change a row's logits.
    /// </param>
    /// <param name="cache">Optional KV cache: keys/values of these tokens are appended to it and attention covers the cached ones too.</param>
    /// <exception cref="ArgumentException">Bad shapes, or a sequence longer than the context or the model's sliding window.</exception>
    public Tensor HiddenStates(Tensor inputIds, Tensor? attentionMask = null, LlamaKvCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.dim() != 2)
        {
            throw new ArgumentException($"input ids must be [B, T], got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        }
        long batch = inputIds.shape[0], length = inputIds.shape[1];
        var past = cache?.Length ?? 0;
        if (cache is not null && cache.Batch != batch)
        {
            throw new ArgumentException($"KV cache holds {cache.Batch} rows but the input has {batch}.", nameof(cache));
        }
        if (attentionMask is not null && (attentionMask.dim() != 2 || attentionMask.shape[0] != batch || attentionMask.shape[1] != past + length))
        {
            throw new ArgumentException(
                $"attention mask must be [{batch}, {past + length}] (cached + new tokens), got [{string.Join(", ", attentionMask.shape)}].",
                nameof(attentionMask));
        }
        if (attentionMask is null && past + length > Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"Sequence length {past + length} exceeds the context length {Config.MaxPositionEmbeddings}.", nameof(inputIds));
        }
        if (Config.EffectiveSlidingWindow is { } window && past + length > window)
        {
            // Attention here spans the whole sequence; beyond the window that would silently differ from the model's own maths.
            throw new ArgumentException(
                $"Sequence of {past + length} tokens exceeds {Config.ModelType}'s sliding_window of {window}; "
                + "sliding-window attention is not implemented, so sequences are limited to the window.", nameof(inputIds));
        }

        using var scope = NewDisposeScope();
        var mask = attentionMask?.to(ScalarType.Int64);
        var positions = CausalAttentionMask.PositionIds(mask, past, length, inputIds.device);
        var (cos, sin) = RotaryEmbedding.CosSin(positions, inverseFrequencies, DType);
        var signedSin = RotaryEmbedding.SignedSin(sin);
        var (attentionBias, isCausal) = CausalAttentionMask.Build(mask, batch, past, length, inputIds.device);
        var hidden = model.forward(inputIds, cos, signedSin, attentionBias, isCausal, cache);
        cache?.Advance(length);
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>A KV cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> tokens, on this model's device and dtype.</summary>
    public LlamaKvCache CreateKvCache(long batch, long capacity) => new(Config, batch, capacity, Device, DType);

    int ICausalLanguageModel.VocabSize => Config.VocabSize;

    int ICausalLanguageModel.ContextLength => Config.EffectiveSlidingWindow is { } window
        ? Math.Min(window, Config.MaxPositionEmbeddings)
        : Config.MaxPositionEmbeddings;

    int ICausalLanguageModel.HiddenSize => Config.HiddenSize;

    Tensor ICausalLanguageModel.HiddenStates(Tensor inputIds, Tensor? attentionMask, IKeyValueCache? cache) =>
        HiddenStates(inputIds, attentionMask, cache switch
        {
            null => null,
            LlamaKvCache own => own,
            _ => throw new ArgumentException($"A Llama-family model needs a {nameof(LlamaKvCache)}, got {cache.GetType().Name}.", nameof(cache)),
        });

    IKeyValueCache ICausalLanguageModel.CreateKvCache(long batch, long capacity) => CreateKvCache(batch, capacity);

    /// <summary>
    /// Re-initialises every parameter from <paramref name="seed"/> alone, as HF's Llama does: normal(0, initializer_range) for
    /// the embedding and every projection, zero biases, RMSNorm weights 1. Values are drawn on the CPU in float32 (then copied
    /// to this model's device and dtype), so the same seed gives the same weights on every device.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            using var scope = NewDisposeScope();
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                parameter.fill_(1.0);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                parameter.zero_();
            }
            else
            {
                // Tensor.normal_ with an explicit generator: nn.init.normal_ ignores its generator in TorchSharp 0.107.
                var draw = empty(parameter.shape, ScalarType.Float32).normal_(0, Config.InitializerRange, generator);
                parameter.copy_(draw);
            }
        }
    }
}
