using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaiEvents.Models.Llama;

/// <summary>
/// The token ids of a Hugging Face <c>generation_config.json</c> that generation needs: begin-of-text, the stop ids
/// (<c>eos_token_id</c>: an int or a list, e.g. Llama 3 instruct stops on both &lt;|end_of_text|&gt; and &lt;|eot_id|&gt;) and padding.
/// </summary>
public sealed record LlamaGenerationConfig(int? BosTokenId, IReadOnlyList<int> EosTokenIds, int? PadTokenId = null)
{
    public const string FileName = "generation_config.json";

    /// <summary>The ids a model's own config.json gives, as transformers derives a generation config from it.</summary>
    public static LlamaGenerationConfig FromModelConfig(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new LlamaGenerationConfig(config.BosTokenId, config.EosTokenIds ?? []);
    }

    /// <summary>Reads <c>generation_config.json</c> of <paramref name="directory"/>, or null when the directory has none.</summary>
    /// <exception cref="CheckpointFormatException">The file is there but malformed.</exception>
    public static LlamaGenerationConfig? Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        var root = JsonFields.ParseObject(File.ReadAllText(path), path);
        var bos = JsonFields.IntOrList(root, "bos_token_id", path);
        var pad = JsonFields.IntOrList(root, "pad_token_id", path);
        return new LlamaGenerationConfig(bos.Count > 0 ? bos[0] : null, JsonFields.IntOrList(root, "eos_token_id", path), pad.Count > 0 ? pad[0] : null);
    }

    /// <summary>Writes <c>generation_config.json</c> into <paramref name="directory"/> (sorted keys, fixed layout: deterministic bytes).</summary>
    public void Save(string directory)
    {
        var values = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["_from_model_config"] = true,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = JsonFields.IntOrListNode(EosTokenIds),
        };
        if (PadTokenId is { } pad)
        {
            values["pad_token_id"] = pad;
        }
        var obj = new JsonObject();
        foreach (var (key, value) in values)
        {
            obj[key] = value;
        }
        File.WriteAllText(Path.Combine(directory, FileName),
            obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", new UTF8Encoding(false));
    }
}
