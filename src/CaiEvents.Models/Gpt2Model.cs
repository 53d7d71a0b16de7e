using CaiEvents.Models.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models;

/// <summary>
/// GPT-2-family decoder: learned token and position embeddings, pre-LayerNorm blocks (causal
/// self-attention, GELU MLP), a final LayerNorm and an output head tied to the token embedding.
/// Submodule names mirror Hugging Face's <c>GPT2Model</c> (<c>wte</c>, <c>wpe</c>, <c>h.N.ln_1</c>,
/// <c>h.N.attn.c_attn</c>, <c>h.N.attn.c_proj</c>, <c>h.N.ln_2</c>, <c>h.N.mlp.c_fc</c>,
/// <c>h.N.mlp.c_proj</c>, <c>ln_f</c>), so <see cref="nn.Module.state_dict"/> names map 1:1 to HF's
/// <c>transformer.*</c> keys (HF stores the four projections transposed; see <see cref="Gpt2Checkpoint"/>).
/// Works with autograd: fine-tuning code can use <see cref="HiddenStates"/> for its own heads.
/// </summary>
public sealed class Gpt2Model : nn.Module<Tensor, Tensor>, ICausalLanguageModel, IActivationCheckpointing
{
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly Dropout drop;
    private readonly ModuleList<Gpt2Block> h;
    private readonly LayerNorm ln_f;

    public Gpt2Model(Gpt2Config config) : base(nameof(Gpt2Model))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        wte = nn.Embedding(config.VocabSize, config.NEmbd);
        wpe = nn.Embedding(config.NPositions, config.NEmbd);
        drop = nn.Dropout(config.EmbdPdrop);
        h = nn.ModuleList(Enumerable.Range(0, config.NLayer).Select(i => new Gpt2Block(i.ToString(), config)).ToArray());
        ln_f = nn.LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        RegisterComponents();
    }

    public Gpt2Config Config { get; }

    /// <inheritdoc/>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>The token embedding, which is also the output projection (tied).</summary>
    public Tensor TokenEmbedding => wte.weight!;

    public Device Device => wte.weight!.device;

    public ScalarType DType => wte.weight!.dtype;

    /// <summary>Logits [B, T, V] for token ids [B, T] starting at position 0, no padding.</summary>
    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>Logits [B, T, V]; see <see cref="HiddenStates"/> for the arguments.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Gpt2KvCache? cache = null)
        => Logits(HiddenStates(inputIds, attentionMask, cache));

    /// <summary>Output logits [..., V] from final hidden states [..., C] (tied to the token embedding).</summary>
    public Tensor Logits(Tensor hidden) => F.linear(hidden, wte.weight!);

    /// <summary>
    /// Final hidden states [B, T, C] (after <c>ln_f</c>).
    /// </summary>
    /// <param name="inputIds">Token ids [B, T], int64.</param>
    /// <param name="attentionMask">
    /// Optional [B, P + T] where P is the number of cached tokens: 1 for real tokens, 0 for left padding.
    /// Positions count real tokens only (cumsum − 1), so left padding does not change a row's logits.
    /// </param>
    /// <param name="cache">Optional KV cache: keys/values of these tokens are appended to it, and
    /// attention covers the cached tokens too. Inference only.</param>
    public Tensor HiddenStates(Tensor inputIds, Tensor? attentionMask = null, Gpt2KvCache? cache = null)
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
        if (attentionMask is null && past + length > Config.NPositions)
        {
            throw new ArgumentException($"Sequence length {past + length} exceeds the context length {Config.NPositions}.", nameof(inputIds));
        }

        using var scope = NewDisposeScope();
        var mask = attentionMask?.to(ScalarType.Int64);
        var positions = CausalAttentionMask.PositionIds(mask, past, length, inputIds.device);
        if (mask is not null)
        {
            positions = positions.clamp_max(Config.NPositions - 1); // padding beyond the table still needs a row of it
        }
        var x = drop.forward(wte.forward(inputIds) + wpe.forward(positions));
        var (attentionBias, isCausal) = CausalAttentionMask.Build(mask, batch, past, length, inputIds.device);
        var checkpointed = ActivationCheckpointing && cache is null && is_grad_enabled();
        for (var i = 0; i < h.Count; i++)
        {
            var block = h[i];
            x = checkpointed
                ? CheckpointedBlock.Run((input, context) => block.forward(input, context.Count > 0 ? context[0] : null, isCausal, null, 0), x,
                    attentionBias is null ? [] : [attentionBias])
                : block.forward(x, attentionBias, isCausal, cache, i);
        }
        cache?.Advance(length);
        return ln_f.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>A KV cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> tokens, on this model's device and dtype.</summary>
    public Gpt2KvCache CreateKvCache(long batch, long capacity) => new(Config, batch, capacity, Device, DType);

    int ICausalLanguageModel.VocabSize => Config.VocabSize;

    int ICausalLanguageModel.ContextLength => Config.NPositions;

    int ICausalLanguageModel.HiddenSize => Config.NEmbd;

    Tensor ICausalLanguageModel.HiddenStates(Tensor inputIds, Tensor? attentionMask, IKeyValueCache? cache) =>
        HiddenStates(inputIds, attentionMask, cache switch
        {
            null => null,
            Gpt2KvCache own => own,
            _ => throw new ArgumentException($"A GPT-2 model needs a {nameof(Gpt2KvCache)}, got {cache.GetType().Name}.", nameof(cache)),
        });

    IKeyValueCache ICausalLanguageModel.CreateKvCache(long batch, long capacity) => CreateKvCache(batch, capacity);

    /// <summary>
    /// Re-initialises every parameter from <paramref name="seed"/> alone, as GPT-2 does: normal(0, 0.02)
    /// for embeddings and projections, scaled by 1/sqrt(2 n_layer) for the residual projections
    /// (<c>c_proj</c>), zero biases, LayerNorm 1/0. Same seed, same weights.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.NLayer);
        foreach (var (name, parameter) in named_parameters())
        {
            // Tensor.normal_ with an explicit generator: nn.init.normal_ ignores its generator in
            // TorchSharp 0.107 and would draw from the global RNG.
            if (name.Contains("ln_", StringComparison.Ordinal))
            {
                parameter.fill_(name.EndsWith(".weight", StringComparison.Ordinal) ? 1.0 : 0.0);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                parameter.zero_();
            }
            else
            {
                parameter.normal_(0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : 0.02, generator);
            }
        }
    }
}
