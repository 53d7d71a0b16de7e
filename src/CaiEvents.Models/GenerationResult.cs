using CaiEvents.Contracts;

namespace CaiEvents.Models;

/// <param name="Served">What a remote server said about itself in this response (its <c>system_fingerprint</c>); null for local
/// models and for servers that send none.</param>
public sealed record GenerationResult(string Text, int PromptTokens, int GeneratedTokens, ServedModel? Served = null);
