namespace CaiEvents.Contracts;

/// <summary>
/// The spelling of the model ids that messages and events carry (<c>hf:DIR</c>, <c>sft:RUN</c>); one place, so the
/// prefixes are neither written nor stripped by hand anywhere else.
/// </summary>
public static class ModelIds
{
    /// <summary>A Hugging Face checkpoint directory on disk: <c>hf:/path/to/dir</c>.</summary>
    public const string HfScheme = "hf:";

    /// <summary>The SL-CAI policy of a run: <c>sft:RUN</c> (resolved to <c>hf:DIR</c> before it is recorded).</summary>
    public const string SftScheme = "sft:";

    public static string Hf(string directory) => HfScheme + directory;

    public static bool IsHf(string modelId) => modelId.StartsWith(HfScheme, StringComparison.Ordinal) && modelId.Length > HfScheme.Length;

    public static bool IsSft(string modelId) => modelId.StartsWith(SftScheme, StringComparison.Ordinal);

    /// <summary>The directory of an <c>hf:DIR</c> id, or the value itself when it is a plain path.</summary>
    public static string LocalDirectory(string modelIdOrPath) => IsHf(modelIdOrPath) ? modelIdOrPath[HfScheme.Length..] : modelIdOrPath;
}
