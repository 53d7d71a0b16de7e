using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly.Timeout;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Sends the probe's small requests to one server: each holds one of the server's <see cref="RemoteServerConcurrency"/> slots and
/// gets <see cref="RemoteModelOptions.Timeout"/>; there are no retries (a probe that meets a busy server says so in its notes).
/// A server that cannot be reached at all is a <see cref="RemoteModelException"/>; any HTTP answer is a <see cref="ProbeAnswer"/>.
/// </summary>
internal sealed class ProbeTransport : IDisposable
{
    private readonly RemoteModelId _id;
    private readonly RemoteModelOptions _options;
    private readonly string? _apiKey;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    public ProbeTransport(RemoteModelId id, RemoteModelOptions options, HttpClient? httpClient)
    {
        _id = id;
        _options = options;
        _apiKey = options.ResolveApiKey();
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    public Task<ProbeAnswer> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<ProbeAnswer> PostAsync(string path, JsonObject body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private async Task<ProbeAnswer> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct)
    {
        var url = _id.BaseUrl + path;
        try
        {
            return await RemoteServerConcurrency.RunAsync(_id.BaseUrl, _options.MaxConcurrency, async token =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(_options.Timeout);
                using var message = new HttpRequestMessage(method, url);
                if (body is not null) message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                if (_apiKey is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
                try
                {
                    using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token);
                    var text = await response.Content.ReadAsStringAsync(timeout.Token);
                    JsonNode? json = null;
                    try { json = JsonNode.Parse(text); } catch (JsonException) { }
                    var status = (int)response.StatusCode;
                    return new ProbeAnswer(status, status is >= 200 and < 300 ? "" : ServerErrorText.Extract(text), json);
                }
                catch (OperationCanceledException e) when (!token.IsCancellationRequested)
                {
                    throw new TimeoutRejectedException("probe request timed out", e);
                }
            }, ct);
        }
        catch (TimeoutRejectedException e)
        {
            throw Fail(method, url, $"timed out after {_options.Timeout.TotalSeconds:0.###} s", e);
        }
        catch (HttpRequestException e)
        {
            var text = e.InnerException?.Message is { Length: > 0 } inner ? $"{e.Message} ({inner})" : e.Message;
            throw Fail(method, url, ServerErrorText.OneLine(text, 300), e);
        }
    }

    private RemoteModelException Fail(HttpMethod method, string url, string what, Exception inner)
    {
        var message = $"Remote model '{_id.ModelName}': {method} {url} failed: {what}";
        if (_apiKey is { Length: > 0 } key) message = message.Replace(key, "[redacted]", StringComparison.Ordinal);
        return new RemoteModelException(message, url, 1, inner: inner);
    }
}
