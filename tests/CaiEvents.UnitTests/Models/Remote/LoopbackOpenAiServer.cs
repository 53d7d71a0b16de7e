using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaiEvents.TestSupport;

/// <summary>
/// A small, deterministic OpenAI-compatible server on 127.0.0.1 (random free port) for tests: real HTTP,
/// Kestrel, <c>POST /v1/completions</c>, <c>POST /v1/chat/completions</c> and <c>GET /v1/models</c> (the chat side and the
/// flavours of the documented servers: LoopbackOpenAiServer.Chat.cs). Self-contained (needs only the Microsoft.AspNetCore.App
/// framework reference, no test framework), so other test projects can link this file.
/// </summary>
/// <remarks>
/// <para>Generation: the text is <see cref="Respond"/>(call), cut to <c>max_tokens</c> tokens of
/// <see cref="Tokenize"/> and at the first of the request's <c>stop</c> sequences, like vLLM.</para>
/// <para><c>echo=true</c> with <c>logprobs</c>: like vLLM, the tokens of the prompt (optionally after an
/// <see cref="EchoPrefixToken"/> such as a BOS) followed by the generated ones, with <c>text_offset</c> in Unicode
/// code points from 0, <c>token_logprobs</c> from <see cref="TokenLogProb"/>, and null for the very first token.</para>
/// <para>Faults are queued with <see cref="EnqueueFault"/>/<see cref="EnqueueDelay"/> and consumed one per
/// request, in order. Every request is recorded in <see cref="Requests"/>.</para>
/// </remarks>
public sealed partial class LoopbackOpenAiServer : IAsyncDisposable
{
    public const string DefaultModelName = "loopback-model";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _requestCount;

    private LoopbackOpenAiServer(WebApplication app, string origin)
    {
        _app = app;
        Origin = origin;
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c></summary>
    public string Origin { get; }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/v1</c>, what OpenAI clients call the base URL.</summary>
    public string BaseUrl => Origin + "/v1";

    public string CompletionsEndpoint => BaseUrl + "/completions";

    /// <summary>A model id for CaiEvents' model catalog: <c>openai:&lt;base url&gt;#&lt;model name&gt;</c>.</summary>
    public string ModelId(string modelName = DefaultModelName) => $"openai:{BaseUrl}#{modelName}";

    /// <summary>What the "model" writes after a prompt (before max_tokens and stop are applied). Default: a fixed sentence.</summary>
    public Func<CompletionCall, string> Respond { get; set; } = _ => " I am a loopback model. Nothing more to say.";

    /// <summary>Splits text into tokens; their concatenation must be the text. Default: optional whitespace + a non-whitespace run.</summary>
    public Func<string, IReadOnlyList<string>> Tokenize { get; set; } = DefaultTokenize;

    /// <summary>Log-probability of the token at a position (0 = first token of the echoed text) given its text.</summary>
    public Func<int, string, double> TokenLogProb { get; set; } = (position, _) => -0.1 * (position + 1);

    /// <summary>Echoed before the prompt, with its own offset (shifts all offsets), e.g. "&lt;s&gt;". Null: none.</summary>
    public string? EchoPrefixToken { get; set; }

    /// <summary>False: like servers without echo support, logprobs cover only the generated tokens.</summary>
    public bool EchoLogProbs { get; set; } = true;

    /// <summary>False: no <c>usage</c> object in responses.</summary>
    public bool ReportUsage { get; set; } = true;

    /// <summary>When set, requests without <c>Authorization: Bearer &lt;key&gt;</c> get 401, quoting the key they sent.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>Requests received on every endpoint (faulted ones included).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public static async Task<LoopbackOpenAiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        LoopbackOpenAiServer? server = null;
        app.MapPost("/v1/completions", (HttpContext context) => server!.HandleAsync(context));
        app.MapPost("/v1/chat/completions", (HttpContext context) => server!.HandleChatAsync(context));
        app.MapGet("/v1/models", (HttpContext context) => server!.HandleModelsAsync(context));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new LoopbackOpenAiServer(app, new Uri(address).GetLeftPart(UriPartial.Authority));
        return server;
    }

    /// <summary>
    /// Which requests meet the queued faults (by their JSON body; an empty object for a GET); null: every request. A test whose
    /// faults are meant for one process's calls sets it, so that another process's calls (a capability probe) do not use them up.
    /// </summary>
    public Func<JsonObject, bool>? FaultsApplyTo { get; set; }

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="statusCode"/> (with Retry-After when given).</summary>
    public void EnqueueFault(int statusCode, int count = 1, TimeSpan? retryAfter = null, string? message = null)
    {
        for (var i = 0; i < count; i++) _faults.Enqueue(new Fault(statusCode, retryAfter, TimeSpan.Zero, message));
    }

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/> (or until the client gives up), then answer normally.</summary>
    public void EnqueueDelay(TimeSpan delay, int count = 1)
    {
        for (var i = 0; i < count; i++) _faults.Enqueue(new Fault(null, null, delay, null));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static IReadOnlyList<string> DefaultTokenize(string text) =>
        TokenPattern().Matches(text).Select(m => m.Value).ToList();

    [GeneratedRegex(@"\s*\S+|\s+")]
    private static partial Regex TokenPattern();

    private async Task HandleAsync(HttpContext context)
    {
        var body = await ReceiveAsync(context, (status, message) => Error(context, status, message));
        if (body is null) return;
        if (ChatOnly)
        {
            await FlavourError(context, 404, "Not Found", null);
            return;
        }

        CompletionCall call;
        try
        {
            call = CompletionCall.From(body);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            await Error(context, 400, e.Message);
            return;
        }

        var generatedTokens = Tokenize(Respond(call)).Take(Math.Max(0, call.MaxTokens)).ToList();
        var generated = string.Concat(generatedTokens);
        var stopAt = call.Stop.Select(s => generated.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        if (stopAt >= 0)
        {
            generated = generated[..stopAt];
            generatedTokens = Tokenize(generated).ToList();
        }
        var promptTokens = Tokenize(call.Prompt).ToList();
        if (EchoPrefixToken is not null) promptTokens.Insert(0, EchoPrefixToken);

        var choice = new JsonObject
        {
            ["index"] = 0,
            ["text"] = call.Echo ? call.Prompt + generated : generated,
            ["finish_reason"] = stopAt >= 0 ? "stop" : "length",
        };
        if (call.LogProbs is not null)
        {
            var echoed = call.Echo && EchoLogProbs;
            var tokens = echoed ? promptTokens.Concat(generatedTokens).ToList() : generatedTokens;
            var offset = echoed ? 0 : CodePoints(call.Prompt);
            var offsets = new JsonArray();
            var values = new JsonArray();
            var tops = new JsonArray();
            for (var i = 0; i < tokens.Count; i++)
            {
                var position = echoed ? i : promptTokens.Count + i;
                offsets.Add(offset);
                offset += CodePoints(tokens[i]);
                if (position == 0)
                {
                    values.Add(null);
                    tops.Add(null);
                }
                else
                {
                    var value = TokenLogProb(position, tokens[i]);
                    values.Add(value);
                    tops.Add(new JsonObject { [tokens[i]] = value });
                }
            }
            choice["logprobs"] = new JsonObject
            {
                ["tokens"] = new JsonArray(tokens.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
                ["token_logprobs"] = values,
                ["top_logprobs"] = tops,
                ["text_offset"] = offsets,
            };
        }

        var response = new JsonObject
        {
            ["id"] = $"cmpl-loopback-{RequestCount}",
            ["object"] = "text_completion",
            ["created"] = 0,
            ["model"] = call.Model,
            ["choices"] = new JsonArray(choice),
        };
        if (ReportUsage)
        {
            response["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens.Count,
                ["completion_tokens"] = generatedTokens.Count,
                ["total_tokens"] = promptTokens.Count + generatedTokens.Count,
            };
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }

    /// <summary>
    /// Counts and records a request, applies a queued fault and the key check; returns the JSON body (an empty object for a GET),
    /// or null when the request has been answered already (fault, key, body not JSON).
    /// </summary>
    /// <param name="error">Writes an error answer (status, message) in the endpoint's shape.</param>
    private async Task<JsonObject?> ReceiveAsync(HttpContext context, Func<int, string, Task> error)
    {
        Interlocked.Increment(ref _requestCount);
        string raw;
        using (var reader = new StreamReader(context.Request.Body))
            raw = await reader.ReadToEndAsync(context.RequestAborted);
        var authorization = context.Request.Headers.Authorization.ToString();
        JsonObject? body = null;
        try { body = JsonNode.Parse(raw) as JsonObject; } catch (JsonException) { }
        _requests.Enqueue(new RecordedRequest(authorization.Length == 0 ? null : authorization, raw, body, context.Request.Path.Value ?? ""));

        if ((FaultsApplyTo is not { } applies || applies(body ?? new JsonObject())) && _faults.TryDequeue(out var fault))
        {
            if (fault.Delay > TimeSpan.Zero)
            {
                try { await Task.Delay(fault.Delay, context.RequestAborted); }
                catch (OperationCanceledException) { return null; }
            }
            if (fault.StatusCode is { } status)
            {
                if (fault.RetryAfter is { } after)
                    context.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await error(status, fault.Message ?? $"injected fault {status}");
                return null;
            }
        }

        if (RequiredApiKey is { } key && authorization != "Bearer " + key)
        {
            var presented = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : authorization;
            await error(401, $"Incorrect API key provided: {presented}.");
            return null;
        }
        if (HttpMethods.IsGet(context.Request.Method)) return new JsonObject();
        if (body is null)
        {
            await error(400, "request body is not a JSON object");
            return null;
        }
        return body;
    }

    private static async Task Error(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["code"] = status } };
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static int CodePoints(string text) => text.EnumerateRunes().Count();

    private sealed record Fault(int? StatusCode, TimeSpan? RetryAfter, TimeSpan Delay, string? Message);
}

/// <summary>One request as received: the Authorization header, the JSON body and the path (e.g. <c>/v1/chat/completions</c>).</summary>
public sealed record RecordedRequest(string? Authorization, string RawBody, JsonObject? Body, string Path = "/v1/completions");

/// <summary>The fields of a completions request the loopback server understands.</summary>
public sealed record CompletionCall(
    string Model, string Prompt, int MaxTokens, double? Temperature, double? TopP, int? TopK, long? Seed,
    IReadOnlyList<string> Stop, bool Echo, int? LogProbs)
{
    public static CompletionCall From(JsonObject body)
    {
        var prompt = body["prompt"] is JsonValue p && p.TryGetValue<string>(out var text)
            ? text
            : throw new InvalidOperationException("prompt must be a string (prompt arrays are not supported by the loopback server)");
        var stop = StopSequences(body);
        return new CompletionCall(
            Model: body["model"]?.GetValue<string>() ?? throw new InvalidOperationException("model is required"),
            Prompt: prompt,
            MaxTokens: body["max_tokens"]?.GetValue<int>() ?? 16,
            Temperature: body["temperature"]?.GetValue<double>(),
            TopP: body["top_p"]?.GetValue<double>(),
            TopK: body["top_k"]?.GetValue<int>(),
            Seed: body["seed"]?.GetValue<long>(),
            Stop: stop,
            Echo: body["echo"]?.GetValue<bool>() ?? false,
            LogProbs: body["logprobs"]?.GetValue<int>());
    }

    /// <summary>The <c>stop</c> field as both endpoints take it: absent, one string, or an array of at most 4 strings.</summary>
    internal static IReadOnlyList<string> StopSequences(JsonObject body)
    {
        IReadOnlyList<string> stop = body["stop"] switch
        {
            null => [],
            JsonValue v when v.TryGetValue<string>(out var one) => [one],
            JsonArray a => a.Select(s => s!.GetValue<string>()).ToList(),
            _ => throw new InvalidOperationException("stop must be a string or an array of strings"),
        };
        if (stop.Count > 4) throw new InvalidOperationException($"stop has {stop.Count} entries; at most 4 are allowed");
        return stop;
    }
}
