namespace CaiEvents.Models;

public sealed record GenerationResult(string Text, int PromptTokens, int GeneratedTokens);
