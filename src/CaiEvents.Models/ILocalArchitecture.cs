using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// One local network family in its Hugging Face directory layout: how a directory becomes a network and tokenizer,
/// how they are written back, and the checkpoint hash of the weights as they would be written. Everything above it
/// (<see cref="LocalTextModel"/>, trainers, jobs) works on <see cref="ICausalLanguageModel"/> and <see cref="ITextTokenizer"/>
/// alone, so a new family is one implementation registered in <see cref="ModelArchitectures"/>.
/// </summary>
public interface ILocalArchitecture
{
    /// <summary>The family's name as <c>config.json</c> spells <c>model_type</c>, e.g. <c>gpt2</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Loads <paramref name="directory"/> onto <paramref name="options"/>' device and dtype. Tensors named in
    /// <paramref name="extraTensorNames"/> are not weights of the network: they are returned in
    /// <see cref="LoadedCheckpoint.ExtraTensors"/> when present. <paramref name="withoutDropout"/> switches dropout off
    /// (training that must be a pure function of the seed).
    /// </summary>
    /// <exception cref="CheckpointFormatException">Missing or malformed directory, file or tensor.</exception>
    LoadedCheckpoint Load(string directory, ModelOptions options, IReadOnlySet<string>? extraTensorNames = null, bool withoutDropout = false);

    /// <summary>
    /// Writes <paramref name="network"/> (of this family) and <paramref name="tokenizer"/> into <paramref name="directory"/>
    /// (created if needed), with <paramref name="extraTensors"/> stored beside the weights. Same bytes for the same weights.
    /// </summary>
    void Save(ICausalLanguageModel network, ITextTokenizer tokenizer, string directory, IReadOnlyDictionary<string, Tensor>? extraTensors = null);

    /// <summary>The checkpoint hash (lower-case hex sha256) that <see cref="Save"/> would give these weights.</summary>
    string WeightsSha256(ICausalLanguageModel network, IReadOnlyDictionary<string, Tensor>? extraTensors = null);
}
