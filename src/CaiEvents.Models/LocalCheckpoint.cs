namespace CaiEvents.Models;

/// <summary>Whether a directory holds the weights of a local checkpoint, before anything is loaded from it.</summary>
public static class LocalCheckpoint
{
    /// <summary>The single weights file of a Hugging Face checkpoint.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>The index of a sharded Hugging Face checkpoint (<c>model-0000N-of-0000M.safetensors</c>).</summary>
    public const string ShardIndexFileName = "model.safetensors.index.json";

    /// <summary>True when <paramref name="directory"/> has a single weights file or a shard index (whether it loads is up to its architecture).</summary>
    public static bool Exists(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return File.Exists(Path.Combine(directory, WeightsFileName)) || File.Exists(Path.Combine(directory, ShardIndexFileName));
    }
}
