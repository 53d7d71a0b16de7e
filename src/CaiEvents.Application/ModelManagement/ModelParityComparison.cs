using CaiEvents.Models;
using CaiEvents.Models.Comparison;
using CaiEvents.Models.Gguf;

namespace CaiEvents.Application.ModelManagement;

/// <summary>
/// <c>cai model compare</c>: two implementations of the same weights on the same token ids (<see cref="ModelComparison"/>).
/// Local models (<c>hf:DIR</c>, <c>builtin:demo</c>, <c>builtin:tiny</c>) run in TorchSharp in float32 on the CPU, <c>gguf:FILE</c>
/// in llama.cpp.
/// </summary>
public static class ModelParityComparison
{
    /// <summary>Most greedy tokens one comparison generates per prompt.</summary>
    public const int MaxGreedyTokens = 4096;

    /// <param name="promptsFile">One prompt per line (<see cref="ComparisonPrompts.Read"/>); null: <see cref="ComparisonPrompts.Default"/>.</param>
    /// <exception cref="UsageException">An unknown id, a model without weights, a greedy count out of range, or prompts that do not fit.</exception>
    /// <exception cref="CheckpointFormatException">A missing or malformed checkpoint or file.</exception>
    public static ModelComparisonResult Compare(string modelA, string modelB, string? promptsFile, int greedyTokens,
        CancellationToken cancellationToken)
    {
        var prompts = promptsFile is null ? ComparisonPrompts.Default : ComparisonPrompts.Read(promptsFile);
        if (greedyTokens is < 0 or > MaxGreedyTokens)
            throw new UsageException($"--greedy-tokens: must be between 0 and {MaxGreedyTokens}, got {greedyTokens}");
        using var a = Load(modelA);
        using var b = Load(modelB);
        try
        {
            return ModelComparison.Compare(a.Probe, b.Probe, prompts, greedyTokens, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static LoadedProbe Load(string modelId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        if (modelId.StartsWith(LlamaCppTextModel.Scheme, StringComparison.Ordinal))
        {
            var gguf = LlamaCppTextModel.Load(modelId);
            return new LoadedProbe(gguf, gguf);
        }
        ITextModel model;
        try
        {
            model = ModelCatalog.Load(modelId, ModelOptions.Cpu);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"model '{modelId}': {e.Message}");
        }
        if (model is not LocalTextModel local)
        {
            model.Dispose();
            throw new UsageException($"model '{modelId}' has no weights to compare; compare hf:DIR, builtin:demo, builtin:tiny or gguf:FILE models");
        }
        return new LoadedProbe(new TorchSharpModelProbe(modelId, local.Network, local.Tokenizer), local);
    }

    /// <summary>A probe and the model that owns its weights.</summary>
    private sealed record LoadedProbe(IModelProbe Probe, IDisposable Owner) : IDisposable
    {
        public void Dispose() => Owner.Dispose();
    }
}
