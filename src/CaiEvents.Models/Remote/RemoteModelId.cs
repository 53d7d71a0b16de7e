using System.Security.Cryptography;
using System.Text;

namespace CaiEvents.Models.Remote;

/// <summary>
/// A parsed remote model id: <c>openai:&lt;base url&gt;#&lt;model name&gt;</c>, e.g.
/// <c>openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-0.5B</c>. The base URL is what OpenAI clients call
/// "base URL" (it usually ends in <c>/v1</c>); requests go to <c>&lt;base url&gt;/completions</c>.
/// The model name is everything after the first '#', sent as the request's <c>model</c>, except an optional
/// <c>?api=chat</c> or <c>?api=completions</c> suffix that forces the endpoint (<see cref="Api"/>).
/// </summary>
public sealed record RemoteModelId
{
    public const string Scheme = "openai:";

    /// <summary>The suffix after the model name that forces the endpoint: <c>?api=chat</c> or <c>?api=completions</c>.</summary>
    public const string ApiSuffix = "?api=";

    private RemoteModelId(string id, string baseUrl, string modelName, RemoteApi? api)
    {
        Id = id;
        BaseUrl = baseUrl;
        ModelName = modelName;
        Api = api;
    }

    /// <summary>The id as given (recorded as <see cref="ModelIdentity.ModelId"/>).</summary>
    public string Id { get; }

    /// <summary>Absolute http(s) URL without a trailing '/'.</summary>
    public string BaseUrl { get; }

    /// <summary>The model name sent as <c>model</c>, without any <c>?api=</c> suffix.</summary>
    public string ModelName { get; }

    /// <summary>The endpoint the id forces (<c>?api=chat|completions</c>); null: none forced (the catalog chooses).</summary>
    public RemoteApi? Api { get; }

    public string CompletionsEndpoint => BaseUrl + "/completions";

    public string ChatCompletionsEndpoint => BaseUrl + "/chat/completions";

    /// <summary>
    /// Stand-in for <see cref="ModelIdentity.CheckpointHash"/>: <c>remote:</c> + sha256 (lower-case hex) of
    /// <c>&lt;base url&gt;#&lt;model name&gt;</c>. A remote server does not expose its weights, so no weight hash
    /// can be computed; this value only says which endpoint and model name produced an event. The
    /// <c>remote:</c> label keeps it from being mistaken for a weight hash. If the server swaps the weights
    /// behind the same name, this value does not change: record such changes with a new model name.
    /// An <c>?api=</c> suffix is not part of it (the same model through either endpoint has the same stand-in).
    /// </summary>
    public string StandInCheckpointHash =>
        "remote:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(BaseUrl + "#" + ModelName)));

    public static bool IsRemote(string modelId) => modelId.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>Parses and validates an id, or throws an <see cref="ArgumentException"/> with a one-line explanation.</summary>
    public static RemoteModelId Parse(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        const string Expected = "expected 'openai:<base url>#<model name>', e.g. 'openai:http://127.0.0.1:8000/v1#my-model'";
        if (!IsRemote(modelId))
            throw new ArgumentException($"Remote model id '{modelId}' does not start with '{Scheme}'; {Expected}.", nameof(modelId));

        var rest = modelId[Scheme.Length..];
        var hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0)
            throw new ArgumentException($"Remote model id '{modelId}' has no '#<model name>'; {Expected}.", nameof(modelId));

        var baseText = rest[..hash].Trim();
        var modelName = rest[(hash + 1)..].Trim();
        RemoteApi? api = null;
        var suffix = modelName.LastIndexOf(ApiSuffix, StringComparison.Ordinal);
        if (suffix >= 0)
        {
            var value = modelName[(suffix + ApiSuffix.Length)..];
            api = value switch
            {
                "chat" => RemoteApi.Chat,
                "completions" => RemoteApi.Completions,
                _ => throw new ArgumentException(
                    $"Remote model id '{modelId}' has '{ApiSuffix}{value}'; the API suffix is '?api=chat' or '?api=completions'.", nameof(modelId)),
            };
            modelName = modelName[..suffix].Trim();
        }
        if (modelName.Length == 0)
            throw new ArgumentException($"Remote model id '{modelId}' has an empty model name after '#'; {Expected}.", nameof(modelId));
        if (modelName.Any(char.IsControl))
            throw new ArgumentException($"Remote model id has control characters in its model name; {Expected}.", nameof(modelId));
        if (!Uri.TryCreate(baseText, UriKind.Absolute, out var uri))
            throw new ArgumentException($"Remote model id '{modelId}' has a base URL '{baseText}' that is not an absolute URL; {Expected}.", nameof(modelId));
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"Remote model id '{modelId}' has a '{uri.Scheme}' base URL; only http and https are supported.", nameof(modelId));
        if (uri.UserInfo.Length > 0)
            // Do not echo the id: it holds credentials.
            throw new ArgumentException(
                "Remote model id has credentials in its base URL; remove them and set Models:Remote:ApiKey (or OPENAI_API_KEY) instead.",
                nameof(modelId));
        if (uri.Query.Length > 0)
            throw new ArgumentException($"Remote model id '{modelId}' has a query string in its base URL; {Expected}.", nameof(modelId));

        return new RemoteModelId(modelId, baseText.TrimEnd('/'), modelName, api);
    }

    public override string ToString() => Id;
}
