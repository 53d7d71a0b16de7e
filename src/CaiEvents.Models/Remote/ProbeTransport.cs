using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Sends the probe's small requests to one server through <see cref="OpenAiEndpointClient"/> (the models' own plumbing: key, per-server
/// concurrency cap, retries on 429/5xx, timeouts). A server that cannot be reached at all is a <see cref="RemoteModelException"/>;
/// any HTTP answer, 4xx included, is a <see cref="ProbeAnswer"/>.
/// </summary>
internal sealed class ProbeTransport(RemoteModelId id, RemoteModelOptions options, HttpClient? httpClient) : IDisposable
{
    private readonly OpenAiEndpointClient _client = new(id.BaseUrl, id.ModelName, options, httpClient);

    public Task<ProbeAnswer> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<ProbeAnswer> PostAsync(string path, JsonObject body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(body.ToJsonString()), ct);

    public void Dispose() => _client.Dispose();

    private async Task<ProbeAnswer> SendAsync(HttpMethod method, string path, byte[]? payload, CancellationToken ct)
    {
        var response = await _client.SendAsync(method, path, payload, ct);
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(response.Body);
        }
        catch (JsonException)
        {
            // not JSON: the status and the error text tell
        }
        return new ProbeAnswer(response.StatusCode, response.IsSuccess ? "" : ServerErrorText.Extract(response.Body), json);
    }
}
