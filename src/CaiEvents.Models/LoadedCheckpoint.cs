using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// What <see cref="ILocalArchitecture.Load"/> returns: the network (an <see cref="nn.Module"/> on the requested device
/// and dtype), its tokenizer, the checkpoint hash, and the extra tensors the caller asked for by name (a reward
/// model's head, say), copied out of the weight files and owned by the caller.
/// </summary>
public sealed record LoadedCheckpoint(
    ICausalLanguageModel Network, ITextTokenizer Tokenizer, string WeightsSha256, IReadOnlyDictionary<string, Tensor> ExtraTensors);
