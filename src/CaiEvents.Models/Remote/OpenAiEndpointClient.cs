using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CaiEvents.Models.Remote;

/// <summary>
/// The HTTP side shared by the remote models of one OpenAI-compatible server (<see cref="OpenAiCompatibleModel"/>,
/// <see cref="OpenAiChatModel"/>): JSON POSTs under a base URL, with the API key, retries and timeouts, and one-line errors
/// that name the endpoint and never hold the key.
/// </summary>
/// <remarks>
/// <para>Every call runs through a Polly pipeline: a timeout per attempt, and retries with exponential backoff and jitter on
/// 429, 5xx other than 501, timeouts and connection errors, honouring <c>Retry-After</c>. Other 4xx answers fail at once.</para>
/// <para>Back-pressure: each attempt holds one of the server's <see cref="RemoteServerConcurrency"/> slots
/// (<see cref="RemoteModelOptions.MaxConcurrency"/>, shared by the whole process), waited for outside the attempt's timeout; the whole
/// call (waits for slots, attempts and backoff) is bounded by <see cref="RemoteModelOptions.RetryBudget"/> (an outer Polly timeout).</para>
/// <para>Thread-safe: the HttpClient and the pipeline are shared and hold no per-call state.</para>
/// </remarks>
public sealed class OpenAiEndpointClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly string? _apiKey;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ResiliencePipeline _attempt;
    private readonly SemaphoreSlim _gate;

    /// <param name="baseUrl">The server's base URL without a trailing '/', e.g. <c>http://127.0.0.1:8000/v1</c>.</param>
    /// <param name="modelName">The model name errors are about.</param>
    /// <param name="options">Key, timeout and retry settings; null: <see cref="RemoteModelOptions.Default"/>.</param>
    /// <param name="httpClient">A client to use (e.g. from IHttpClientFactory); it is not disposed here and
    /// its own Timeout should be infinite or longer than all attempts. Null: one is created and owned.</param>
    public OpenAiEndpointClient(string baseUrl, string modelName, RemoteModelOptions? options = null, HttpClient? httpClient = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseUrl);
        ArgumentNullException.ThrowIfNull(modelName);
        BaseUrl = baseUrl.TrimEnd('/');
        ModelName = modelName;
        Options = options ?? RemoteModelOptions.Default;
        Options.Validate();
        _apiKey = Options.ResolveApiKey();
        _pipeline = BuildPipeline(Options);
        _attempt = new ResiliencePipelineBuilder().AddTimeout(Options.Timeout).Build(); // a fresh timeout for every attempt
        _gate = RemoteServerConcurrency.Gate(BaseUrl, Options.MaxConcurrency);
        if (httpClient is null)
        {
            _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                Timeout = Timeout.InfiniteTimeSpan, // the pipeline times out each attempt
            };
            _ownsHttp = true;
        }
        else
        {
            _http = httpClient;
        }
    }

    public string BaseUrl { get; }

    public string ModelName { get; }

    public RemoteModelOptions Options { get; }

    /// <summary>The URL of <paramref name="path"/> (e.g. <c>/completions</c>) under the base URL.</summary>
    public string Endpoint(string path) => BaseUrl + path;

    /// <summary>
    /// POSTs a JSON body to <c>{base}{path}</c> (with retries) and returns the successful answer's body.
    /// </summary>
    /// <param name="hint">Appended to the error of a 400, 422 or 501 answer (what the request asked for that the server may lack); "" for none.</param>
    /// <exception cref="RemoteModelException">A non-success answer, a timeout or a connection error, after any retries.</exception>
    public async Task<EndpointResponse> PostJsonAsync(string path, byte[] payload, string hint, CancellationToken ct)
    {
        var response = await SendAsync(HttpMethod.Post, path, payload, ct);
        if (!response.IsSuccess)
        {
            var extra = response.StatusCode is 400 or 422 or 501 ? hint : "";
            throw Fail(HttpMethod.Post, path, $"HTTP {response.StatusCode} ({response.ReasonPhrase}): {ServerErrorText.Extract(response.Body)}{extra}",
                response.Attempts, (HttpStatusCode)response.StatusCode);
        }
        return response;
    }

    /// <summary>
    /// Sends a request (a JSON body when <paramref name="payload"/> is not null) with retries and returns the last answer,
    /// successful or not (a probe reads a 404 or 400 as a finding).
    /// </summary>
    /// <exception cref="RemoteModelException">A timeout or a connection error, after any retries.</exception>
    public async Task<EndpointResponse> SendAsync(HttpMethod method, string path, byte[]? payload, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        var uri = new Uri(Endpoint(path));
        var attempts = 0;
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async budgetToken =>
            {
                // The slot is waited for under the budget, not the attempt's timeout: a crowded server delays, it does not fail.
                await _gate.WaitAsync(budgetToken);
                try
                {
                    return await _attempt.ExecuteAsync(async token =>
                    {
                        Interlocked.Increment(ref attempts);
                        using var message = new HttpRequestMessage(method, uri);
                        if (payload is not null)
                        {
                            message.Content = new ByteArrayContent(payload);
                            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                        }
                        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                        if (_apiKey is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
                        // ResponseContentRead: the body is read inside the attempt, so the attempt's timeout covers it.
                        return await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, token);
                    }, budgetToken);
                }
                finally
                {
                    _gate.Release();
                }
            }, ct);
        }
        catch (TimeoutRejectedException e) when (e.Timeout == Options.RetryBudget)
        {
            throw Fail(method, path, $"gave up when the retry budget of {Options.RetryBudget.TotalSeconds:0.###} s "
                + "(Models:Remote:RetryBudget) was spent", attempts, inner: e);
        }
        catch (TimeoutRejectedException e)
        {
            throw Fail(method, path, $"timed out after {Options.Timeout.TotalSeconds:0.###} s", attempts, inner: e);
        }
        catch (HttpRequestException e)
        {
            var message = e.InnerException?.Message is { Length: > 0 } inner ? $"{e.Message} ({inner})" : e.Message;
            throw Fail(method, path, ServerErrorText.OneLine(message, 300), attempts, inner: e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            // A cancellation that is not the caller's (e.g. an injected HttpClient's own Timeout).
            throw Fail(method, path, "the request was cancelled (HttpClient timeout?)", attempts, inner: e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            return new EndpointResponse((int)response.StatusCode, response.ReasonPhrase ?? response.StatusCode.ToString(), text, attempts);
        }
    }

    /// <summary>
    /// A one-line <see cref="RemoteModelException"/>: <c>Remote model 'NAME': POST URL failed[ after N attempts]: WHAT</c>, key redacted.
    /// </summary>
    public RemoteModelException Fail(HttpMethod method, string path, string what, int attempts, HttpStatusCode? status = null, Exception? inner = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        var endpoint = Endpoint(path);
        var after = attempts > 1 ? $" after {attempts} attempts" : "";
        var message = $"Remote model '{ModelName}': {method.Method} {endpoint} failed{after}: {what}";
        return new RemoteModelException(Redact(message), endpoint, attempts, status, inner);
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 with at most <see cref="RemoteModelOptions.MaxConcurrentRequests"/> at once.</summary>
    public async Task ForEachAsync(int count, Func<int, CancellationToken, Task> body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count == 0) return;
        if (count == 1)
        {
            await body(0, ct);
            return;
        }
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.MaxConcurrentRequests, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), parallel, async (i, token) => await body(i, token));
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    /// <summary>Removes the API key from text that may quote it (some servers echo a rejected key).</summary>
    private string Redact(string text) =>
        _apiKey is { Length: > 0 } key ? text.Replace(key, "[redacted]", StringComparison.Ordinal) : text;

    private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(RemoteModelOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        builder.AddTimeout(options.RetryBudget); // outer: the whole call, attempts and waits together
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } result } => IsTransient(result.StatusCode),
                    _ => false,
                }),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxRetryDelay)),
                // Polly disposes a discarded response itself after OnRetry.
            });
        }
        return builder.Build();
    }

    internal static bool IsTransient(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || ((int)status >= 500 && status != HttpStatusCode.NotImplemented);

    /// <summary>The delay a 429/503 asks for with <c>Retry-After</c> (seconds or a date), capped; null: use the backoff.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null) return null;
        var delay = header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : (TimeSpan?)null);
        if (delay is null) return null;
        if (delay < TimeSpan.Zero) return TimeSpan.Zero;
        return delay > cap ? cap : delay;
    }
}
