using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaiEvents.Models;

/// <summary>
/// The local architectures by <c>config.json</c> <c>model_type</c>. An <c>hf:DIR</c> model loads through the entry its
/// config names; a family is supported by adding its <see cref="ILocalArchitecture"/> here.
/// </summary>
public static class ModelArchitectures
{
    public const string ConfigFileName = "config.json";

    private static readonly IReadOnlyDictionary<string, ILocalArchitecture> ByModelType =
        new ILocalArchitecture[] { Gpt2Architecture.Instance }.Concat(Llama.LlamaArchitecture.All)
            .ToDictionary(a => a.Name, StringComparer.Ordinal);

    /// <summary>Every supported <c>model_type</c>, sorted.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = [.. ByModelType.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The architecture for <paramref name="modelType"/>, or null when none is registered.</summary>
    public static ILocalArchitecture? Find(string modelType)
    {
        ArgumentNullException.ThrowIfNull(modelType);
        return ByModelType.GetValueOrDefault(modelType);
    }

    /// <summary>
    /// The architecture named by <paramref name="directory"/>'s <c>config.json</c>. A config without a readable
    /// <c>model_type</c> (older GPT-2 exports have none) goes to GPT-2, whose loader reports any problem with it.
    /// </summary>
    /// <exception cref="CheckpointFormatException">Missing directory or config, or a <c>model_type</c> that no architecture supports.</exception>
    public static ILocalArchitecture ForDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new CheckpointFormatException(directory, null, "model directory not found");
        }
        var path = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        var modelType = ReadModelType(path);
        if (modelType is null)
        {
            return Gpt2Architecture.Instance;
        }
        return Find(modelType) ?? throw new CheckpointFormatException(path, null,
            $"model_type '{modelType}' is not supported; supported: {string.Join(", ", SupportedModelTypes)}");
    }

    /// <summary>Loads <paramref name="directory"/> through <see cref="ForDirectory"/>'s architecture.</summary>
    public static (ILocalArchitecture Architecture, LoadedCheckpoint Checkpoint) Load(
        string directory, ModelOptions options, IReadOnlySet<string>? extraTensorNames = null, bool withoutDropout = false)
    {
        var architecture = ForDirectory(directory);
        return (architecture, architecture.Load(directory, options, extraTensorNames, withoutDropout));
    }

    /// <summary>The config's <c>model_type</c> string, or null when the file is not a JSON object with one.</summary>
    private static string? ReadModelType(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject root
                && root["model_type"] is JsonValue value && value.TryGetValue<string>(out var modelType)
                ? modelType
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
