using CaiEvents.Models.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Llama;

/// <summary>
/// The part of the network HF calls <c>model</c>: token embedding, decoder layers and the final norm
/// (<c>embed_tokens</c>, <c>layers.N</c>, <c>norm</c>).
/// </summary>
internal sealed class LlamaDecoderStack : nn.Module
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;

    public LlamaDecoderStack(string name, LlamaConfig config, Device? device, ScalarType? dtype) : base(name)
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new LlamaDecoderLayer(i.ToString(System.Globalization.CultureInfo.InvariantCulture), config, device, dtype)).ToArray());
        norm = new RmsNorm(nameof(norm), config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public Tensor EmbeddingWeight => embed_tokens.weight!;

    /// <summary>Recompute each layer in backward instead of keeping its activations (<see cref="CheckpointedBlock"/>).</summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>Final hidden states [B, T, C] (after <c>norm</c>) of token ids [B, T].</summary>
    public Tensor forward(Tensor inputIds, Tensor cos, Tensor signedSin, Tensor? mask, bool isCausal, LlamaKvCache? cache)
    {
        using var scope = NewDisposeScope();
        var x = embed_tokens.forward(inputIds);
        var checkpointed = ActivationCheckpointing && cache is null && is_grad_enabled();
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            x = checkpointed
                ? CheckpointedBlock.Run(
                    (input, context) => layer.forward(input, context[0], context[1], context.Count > 2 ? context[2] : null, isCausal, null, 0),
                    x, mask is null ? [cos, signedSin] : [cos, signedSin, mask])
                : layer.forward(x, cos, signedSin, mask, isCausal, cache, i);
        }
        return norm.forward(x).MoveToOuterDisposeScope();
    }
}
