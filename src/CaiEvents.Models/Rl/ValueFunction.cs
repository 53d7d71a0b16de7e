using static TorchSharp.torch;

namespace CaiEvents.Models.Rl;

/// <summary>A value function: a module (its parameters are trained) and its per-token values [B, T] for ids and an attention mask.</summary>
public sealed record ValueFunction(nn.Module Module, Func<Tensor, Tensor, Tensor> TokenValues);
