namespace CaiEvents.Models;

/// <summary>Turns a model id from configuration into a loaded <see cref="ITextModel"/>.</summary>
public static class ModelCatalog
{
    /// <summary>Untrained tiny character-level transformer, initialised from <see cref="ModelOptions.Seed"/>.</summary>
    public const string BuiltinTiny = "builtin:tiny";

    public static IReadOnlyList<string> SupportedModelIds { get; } = [BuiltinTiny];

    public static TinyTransformerConfig TinyConfig { get; } = new(VocabSize: CharTokenizer.Instance.VocabSize);

    public static ITextModel Load(string modelId, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ArgumentNullException.ThrowIfNull(options);
        return modelId switch
        {
            BuiltinTiny => TorchTextModel.CreateInitialized(BuiltinTiny, TinyConfig, options),
            _ when Remote.RemoteModelId.IsRemote(modelId) => new Remote.OpenAiCompatibleModel(modelId, options.Remote),
            _ => throw new ArgumentException(
                $"Unknown model id '{modelId}'; supported: {string.Join(", ", SupportedModelIds)}.", nameof(modelId)),
        };
    }
}
