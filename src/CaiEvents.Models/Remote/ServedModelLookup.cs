using System.Text.Json.Nodes;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Finds a model name in a <c>GET {base}/models</c> answer (<c>{"object":"list","data":[{"id":…,"owned_by":…}, …]}</c>, the shape OpenAI,
/// vLLM, llama.cpp's server and Ollama share) and turns its entry into a <see cref="ServedModel"/>.
/// </summary>
/// <remarks>
/// The maximum length comes from vLLM's <c>max_model_len</c> (the context the server was started with) or, failing that, from
/// llama.cpp's <c>meta.n_ctx_train</c> (the context the model was trained with, not the server's <c>--ctx-size</c>); OpenAI and
/// Ollama give none. <c>root</c> is vLLM's (the path or hub name the weights were loaded from).
/// </remarks>
internal static class ServedModelLookup
{
    /// <summary>The entry whose <c>id</c> is <paramref name="modelName"/>; for Ollama's tagged names, <c>NAME:latest</c> when
    /// <paramref name="modelName"/> has no tag. Null with a note when the answer lists no such model or is not a list.</summary>
    public static ServedModel? Find(JsonNode? answer, string modelName, ICollection<string> notes)
    {
        if (answer is not JsonObject root || root["data"] is not JsonArray data)
        {
            notes.Add("models: the answer has no 'data' list");
            return null;
        }
        var entries = data.OfType<JsonObject>().ToList();
        var entry = entries.FirstOrDefault(e => Text(e["id"]) == modelName);
        if (entry is null && !modelName.Contains(':', StringComparison.Ordinal))
        {
            entry = entries.FirstOrDefault(e => Text(e["id"]) == modelName + ":latest");
            if (entry is not null) notes.Add($"models: listed as '{modelName}:latest'");
        }
        if (entry is null)
        {
            var listed = string.Join(", ", entries.Select(e => Text(e["id"])).OfType<string>().Take(5));
            notes.Add($"models: '{modelName}' is not among the {entries.Count} listed ({(listed.Length == 0 ? "none" : listed)})");
            return null;
        }
        var length = Number(entry["max_model_len"]);
        if (length is null && Number(entry["meta"]?["n_ctx_train"]) is { } trained)
        {
            length = trained;
            notes.Add("models: maximum length is llama.cpp's meta.n_ctx_train (training context, not the server's --ctx-size)");
        }
        return new ServedModel(Text(entry["id"])!, OwnedBy: Text(entry["owned_by"]), Root: Text(entry["root"]), MaxModelLength: length);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static long? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;
}
