namespace CaiEvents.Models.Remote;

/// <summary>Finds what a remote server offers for a model name (<see cref="ServerCapabilities"/>).</summary>
public static class RemoteModelProbe
{
    /// <summary>Probes <paramref name="modelId"/> (<c>openai:URL#NAME</c>) with a few small requests.</summary>
    /// <exception cref="RemoteModelException">The server cannot be reached at all.</exception>
    public static Task<ServerCapabilities> ProbeAsync(string modelId, RemoteModelOptions options, HttpClient? httpClient = null,
        CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("the capability probe is being built (issue 15)");
}
