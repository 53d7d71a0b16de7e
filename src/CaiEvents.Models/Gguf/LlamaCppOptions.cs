namespace CaiEvents.Models.Gguf;

/// <summary>
/// How this process runs <c>gguf:</c> models in llama.cpp. Bound from configuration (<c>Models:LlamaCpp:Threads</c>,
/// <c>ContextSize</c>, <c>BatchTokens</c>); other model sources ignore it. Zero means the default of each setting.
/// </summary>
public sealed record LlamaCppOptions
{
    public static LlamaCppOptions Default { get; } = new();

    /// <summary>CPU threads llama.cpp uses for one decode; 0: one per processor.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Positions allocated for one sequence (the KV cache is allocated up front, so this is memory); 0: the file's training
    /// context, at most <see cref="LlamaCppTextModel.DefaultMaxContext"/>. Longer prompts are left-truncated, as for local models.
    /// </summary>
    public int ContextSize { get; init; }

    /// <summary>Most tokens decoded in one llama.cpp batch (longer inputs go in chunks); 0: <see cref="LlamaCppTextModel.DefaultBatchTokens"/>.</summary>
    public int BatchTokens { get; init; }

    /// <summary>Checks the values before anything is loaded.</summary>
    /// <exception cref="ArgumentException">A negative value, named by its configuration key.</exception>
    public void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(Threads), Threads), (nameof(ContextSize), ContextSize), (nameof(BatchTokens), BatchTokens) })
        {
            if (value < 0)
            {
                throw new ArgumentException($"Models:LlamaCpp:{name} is {value}; expected 0 (the default) or a positive number.");
            }
        }
    }
}
