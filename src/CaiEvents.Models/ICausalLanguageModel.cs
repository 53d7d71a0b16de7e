using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// A decoder-only network as generation (<see cref="CausalLmGenerator"/>) and scoring (<see cref="ContinuationScorer"/>,
/// <see cref="BatchedContinuationScorer"/>) use it, so those loops are written once for every architecture.
/// <c>training</c>, <c>eval</c> and <c>train</c> mirror <see cref="nn.Module"/>, which implements them as they are.
/// </summary>
public interface ICausalLanguageModel
{
    /// <summary>Width of the logits (the embedding table's rows; may exceed the tokenizer's ids).</summary>
    int VocabSize { get; }

    /// <summary>Most positions one row may hold.</summary>
    int ContextLength { get; }

    Device Device { get; }

    /// <summary>Element type of the weights (and of the hidden states they produce).</summary>
    ScalarType DType { get; }

    /// <summary>Width C of the final hidden states, e.g. for a reward model's score head.</summary>
    int HiddenSize { get; }

    /// <summary>Trainable weights, as <see cref="nn.Module.parameters"/> gives them (every implementation is an <see cref="nn.Module"/>).</summary>
    IEnumerable<TorchSharp.Modules.Parameter> parameters(bool recurse = true);

    bool training { get; }

    void eval();

    void train(bool on = true);

    /// <summary>
    /// Final hidden states [B, T, C] of token ids [B, T]. <paramref name="attentionMask"/> ([B, cached + T], 0 for left
    /// padding) makes positions count real tokens only; with <paramref name="cache"/> the new keys/values are appended to
    /// it and attention also covers the cached tokens.
    /// </summary>
    Tensor HiddenStates(Tensor inputIds, Tensor? attentionMask = null, IKeyValueCache? cache = null);

    /// <summary>Output logits [..., V] from final hidden states [..., C].</summary>
    Tensor Logits(Tensor hidden);

    /// <summary>A cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> tokens, on this model's device and dtype.</summary>
    IKeyValueCache CreateKvCache(long batch, long capacity);
}
