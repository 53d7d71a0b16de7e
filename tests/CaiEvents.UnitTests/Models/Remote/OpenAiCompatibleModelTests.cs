using System.Diagnostics;
using System.Net;
using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Remote;
using CaiEvents.TestSupport;

namespace CaiEvents.UnitTests.Models.Remote;

/// <summary>Real HTTP against <see cref="LoopbackOpenAiServer"/> on 127.0.0.1; no mocked client.</summary>
public sealed class OpenAiCompatibleModelTests : IAsyncLifetime
{
    private const string Key = "sk-test-7c1f0e2d9b";

    private LoopbackOpenAiServer _server = null!;

    /// <summary>Fast retries so the tests stay quick; the defaults are 1 s base delay, 60 s timeout.</summary>
    private static readonly RemoteModelOptions Fast = new()
    {
        ApiKey = Key,
        Timeout = TimeSpan.FromSeconds(10),
        MaxRetries = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromSeconds(5),
    };

    public async Task InitializeAsync() => _server = await LoopbackOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private OpenAiCompatibleModel Model(RemoteModelOptions? options = null) => new(_server.ModelId(), options ?? Fast);

    private static async Task<GenerationResult> GenerateOne(ITextModel model, string prompt, SamplingParameters sampling, long seed = 7)
        => (await model.GenerateAsync([new GenerationRequest(prompt, sampling, seed)]))[0];

    // ---- generation ------------------------------------------------------------------------------

    [Fact]
    public async Task Generation_returns_the_servers_text_and_sends_the_sampling_parameters()
    {
        using var model = Model();
        var sampling = new SamplingParameters(Temperature: 0.7, TopP: 0.9, TopK: 0, MaxNewTokens: 5,
            StopSequences: ["\n\nHuman:", "###", "<|end|>", "STOP", "fifth"]);

        var result = await GenerateOne(model, "Human: hi\n\nAssistant:", sampling, seed: 42);

        Assert.Equal(" I am a loopback model.", result.Text); // 5 tokens of the server's fixed reply
        Assert.Equal(3, result.PromptTokens);
        Assert.Equal(5, result.GeneratedTokens);

        var request = Assert.Single(_server.Requests);
        Assert.Equal($"Bearer {Key}", request.Authorization);
        var body = request.Body!;
        Assert.Equal(LoopbackOpenAiServer.DefaultModelName, body["model"]!.GetValue<string>());
        Assert.Equal("Human: hi\n\nAssistant:", body["prompt"]!.GetValue<string>());
        Assert.Equal(5, body["max_tokens"]!.GetValue<int>());
        Assert.Equal(0.7, body["temperature"]!.GetValue<double>());
        Assert.Equal(0.9, body["top_p"]!.GetValue<double>());
        Assert.Equal(42, body["seed"]!.GetValue<long>());
        Assert.Equal(["\n\nHuman:", "###", "<|end|>", "STOP"], body["stop"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Null(body["top_k"]);
        Assert.Null(body["echo"]);
        Assert.Null(body["logprobs"]);
    }

    [Fact]
    public async Task Top_k_is_sent_only_when_asked_for_and_no_stop_when_there_is_none()
    {
        using var model = Model();

        await GenerateOne(model, "Hello", new SamplingParameters(TopK: 20, StopSequences: null));

        var body = Assert.Single(_server.Requests).Body!;
        Assert.Equal(20, body["top_k"]!.GetValue<int>());
        Assert.Null(body["stop"]);
    }

    [Fact]
    public async Task Stop_sequences_beyond_the_fourth_are_applied_client_side()
    {
        _server.Respond = _ => " alpha beta gamma DELTA epsilon";
        using var model = Model();
        var sampling = new SamplingParameters(MaxNewTokens: 50, StopSequences: ["w1", "w2", "w3", "w4", "DELTA", "gamma"]);

        var result = await GenerateOne(model, "Say:", sampling);

        Assert.Equal(" alpha beta ", result.Text); // the earliest of the client-side stops ("gamma") wins
        Assert.Equal(4, Assert.Single(_server.Requests).Body!["stop"]!.AsArray().Count);
    }

    [Fact]
    public async Task Without_usage_the_token_counts_are_zero()
    {
        _server.ReportUsage = false;
        using var model = Model();

        var result = await GenerateOne(model, "Hello", new SamplingParameters(MaxNewTokens: 3));

        Assert.Equal(" I am a", result.Text);
        Assert.Equal((0, 0), (result.PromptTokens, result.GeneratedTokens));
    }

    [Fact]
    public async Task Batches_keep_request_order_and_each_request_its_own_seed_and_the_model_is_shared_across_threads()
    {
        _server.Respond = call => $" reply to {call.Prompt} with seed {call.Seed}";
        using var model = Model(Fast with { MaxConcurrentRequests = 3 });
        var sampling = new SamplingParameters(MaxNewTokens: 20);

        var batches = await Task.WhenAll(Enumerable.Range(0, 4).Select(b => Task.Run(() =>
            model.GenerateAsync(Enumerable.Range(0, 8).Select(i => new GenerationRequest($"p{b}.{i}", sampling, 100 * b + i)).ToList()))));

        for (var b = 0; b < 4; b++)
        {
            Assert.Equal(Enumerable.Range(0, 8).Select(i => $" reply to p{b}.{i} with seed {100 * b + i}"), batches[b].Select(r => r.Text));
        }
        Assert.Equal(32, _server.RequestCount);
    }

    [Fact]
    public async Task Without_a_key_no_authorization_header_is_sent_unless_the_environment_has_one()
    {
        using var model = Model(Fast with { ApiKey = null });

        await GenerateOne(model, "Hello", new SamplingParameters(MaxNewTokens: 1));

        var fromEnvironment = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        var expected = string.IsNullOrWhiteSpace(fromEnvironment) ? null : "Bearer " + fromEnvironment.Trim();
        Assert.Equal(expected, Assert.Single(_server.Requests).Authorization);
    }

    // ---- scoring ---------------------------------------------------------------------------------

    [Fact]
    public async Task Scoring_sums_exactly_the_continuations_token_logprobs()
    {
        using var model = Model();
        // Tokens of "Human: hi Assistant: Yes please": "Human:"(0, null) " hi"(1) " Assistant:"(2) " Yes"(3) " please"(4),
        // then one generated token. Default log-probability at position p: -0.1 * (p + 1).
        var score = Assert.Single(await model.ScoreAsync("Human: hi Assistant:", [" Yes please"]));

        Assert.Equal(" Yes please", score.Continuation);
        Assert.Equal([-0.4, -0.5], score.TokenLogProbs.Select(v => Math.Round(v, 10)));
        Assert.Equal(-0.9, score.TotalLogProb, 10);

        var body = Assert.Single(_server.Requests).Body!;
        Assert.Equal("Human: hi Assistant: Yes please", body["prompt"]!.GetValue<string>());
        Assert.True(body["echo"]!.GetValue<bool>());
        Assert.Equal(1, body["logprobs"]!.GetValue<int>());
        Assert.Equal(1, body["max_tokens"]!.GetValue<int>());
        Assert.Equal(LoopbackOpenAiServer.DefaultModelName, body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Scoring_several_continuations_keeps_their_order()
    {
        _server.TokenLogProb = (_, token) => -token.Trim().Length;
        using var model = Model();

        var scores = await model.ScoreAsync("Answer:", [" A", " BBB", " CC", ""]);

        Assert.Equal([" A", " BBB", " CC", ""], scores.Select(s => s.Continuation));
        Assert.Equal([-1.0, -3.0, -2.0, 0.0], scores.Select(s => s.TotalLogProb));
        Assert.Empty(scores[3].TokenLogProbs);
        Assert.Equal(3, _server.RequestCount); // the empty continuation needs no request
    }

    [Fact]
    public async Task A_token_ending_exactly_at_the_boundary_is_prompt_and_one_starting_there_is_continuation()
    {
        _server.Tokenize = text => text.Select(c => c.ToString()).ToList(); // one token per character
        _server.TokenLogProb = (position, _) => -Math.Pow(2, position);    // every subset has a distinct sum
        using var model = Model();

        var score = Assert.Single(await model.ScoreAsync("abc", ["de"]));

        Assert.Equal([-8.0, -16.0], score.TokenLogProbs); // positions 3 and 4 only
        Assert.Equal(-24.0, score.TotalLogProb);
    }

    [Fact]
    public async Task A_token_straddling_the_boundary_counts_towards_the_continuation()
    {
        _server.TokenLogProb = (_, token) => token switch { " Yes" => -1.25, " No" => -2.5, _ => -100 };
        using var model = Model();

        // "Assistant: " + "Yes" is tokenized "Assistant:" " Yes": the second token holds the prompt's last space.
        var scores = await model.ScoreAsync("Assistant: ", ["Yes", "No"]);

        Assert.Equal([-1.25], scores[0].TokenLogProbs);
        Assert.Equal([-2.5], scores[1].TokenLogProbs);
    }

    [Fact]
    public async Task The_continuation_is_anchored_at_the_end_when_the_server_echoes_a_bos_token()
    {
        _server.EchoPrefixToken = "<s>"; // shifts every offset by 3 characters the client never sent
        _server.TokenLogProb = (_, token) => token switch { " world" => -0.75, _ => -100 };
        using var model = Model();

        var score = Assert.Single(await model.ScoreAsync("Hello there", [" world"]));

        Assert.Equal([-0.75], score.TokenLogProbs);
    }

    [Fact]
    public async Task Offsets_count_code_points_like_python_servers()
    {
        _server.Tokenize = text => text.EnumerateRunes().Select(r => r.ToString()).ToList();
        _server.TokenLogProb = (position, _) => -Math.Pow(2, position);
        using var model = Model();

        // "😀" is one code point (one token) but two UTF-16 chars.
        var score = Assert.Single(await model.ScoreAsync("ab", ["😀c"]));

        Assert.Equal([-4.0, -8.0], score.TokenLogProbs);
    }

    [Fact]
    public async Task Scoring_the_very_first_token_of_a_text_fails_clearly()
    {
        using var model = Model();

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => model.ScoreAsync("", ["Hello"]));

        Assert.Contains("no log-probability", e.Message);
        Assert.Contains(_server.CompletionsEndpoint, e.Message);
    }

    [Fact]
    public async Task A_server_without_echo_logprobs_fails_scoring_with_one_line_naming_the_endpoint()
    {
        _server.EchoLogProbs = false; // returns only the generated token's logprobs, as some servers do
        using var model = Model();

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => model.ScoreAsync("Human: hi Assistant:", [" Yes"]));

        Assert.Contains(_server.CompletionsEndpoint, e.Message);
        Assert.Contains("does not support echo", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task A_server_rejecting_echo_fails_scoring_with_a_hint()
    {
        _server.EnqueueFault(400, message: "echo is not supported\nwith this model");
        using var model = Model();

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => model.ScoreAsync("Human: hi Assistant:", [" Yes"]));

        Assert.Equal($"Remote model '{LoopbackOpenAiServer.DefaultModelName}': POST {_server.CompletionsEndpoint} failed: HTTP 400 (Bad Request): "
                     + "echo is not supported with this model (scoring sends echo=true, logprobs=1, max_tokens=1; the server may not support echo)", e.Message);
        Assert.Equal(1, _server.RequestCount);
    }

    // ---- resilience ------------------------------------------------------------------------------

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    public async Task Transient_failures_are_retried_until_the_server_answers(int status)
    {
        _server.EnqueueFault(status, count: 3);
        using var model = Model();

        var result = await GenerateOne(model, "Hello", new SamplingParameters(MaxNewTokens: 2));

        Assert.Equal(" I am", result.Text);
        Assert.Equal(4, _server.RequestCount);
    }

    [Fact]
    public async Task Retry_after_is_honoured()
    {
        _server.EnqueueFault(429, retryAfter: TimeSpan.FromSeconds(1));
        using var model = Model(Fast with { RetryBaseDelay = TimeSpan.FromMilliseconds(1) });

        var clock = Stopwatch.StartNew();
        await GenerateOne(model, "Hello", new SamplingParameters(MaxNewTokens: 2));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}, not after Retry-After: 1");
        Assert.Equal(2, _server.RequestCount);
    }

    [Fact]
    public async Task Gives_up_after_max_retries_with_one_line_naming_the_endpoint()
    {
        _server.EnqueueFault(503, count: 10, message: "overloaded, try later");
        using var model = Model(Fast with { MaxRetries = 2 });

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => GenerateOne(model, "Hello", new SamplingParameters()));

        Assert.Equal($"Remote model '{LoopbackOpenAiServer.DefaultModelName}': POST {_server.CompletionsEndpoint} failed after 3 attempts: "
                     + "HTTP 503 (Service Unavailable): overloaded, try later", e.Message);
        Assert.Equal(3, e.Attempts);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Equal(_server.CompletionsEndpoint, e.Endpoint);
        Assert.Equal(3, _server.RequestCount);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(422)]
    [InlineData(501)]
    public async Task Client_errors_are_not_retried(int status)
    {
        _server.EnqueueFault(status, count: 5);
        using var model = Model();

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => GenerateOne(model, "Hello", new SamplingParameters()));

        Assert.Equal(1, _server.RequestCount);
        Assert.Equal(1, e.Attempts);
        Assert.Equal((HttpStatusCode)status, e.StatusCode);
        Assert.Contains($"HTTP {status}", e.Message);
    }

    [Fact]
    public async Task A_slow_attempt_times_out_and_is_retried()
    {
        _server.EnqueueDelay(TimeSpan.FromSeconds(20));
        using var model = Model(Fast with { Timeout = TimeSpan.FromSeconds(1) });

        var result = await GenerateOne(model, "Hello", new SamplingParameters(MaxNewTokens: 2));

        // Without the per-attempt timeout the first (20 s) attempt would have answered and there would be one request.
        Assert.Equal(" I am", result.Text);
        Assert.Equal(2, _server.RequestCount);
    }

    [Fact]
    public async Task When_every_attempt_times_out_the_error_says_so()
    {
        _server.EnqueueDelay(TimeSpan.FromSeconds(20), count: 3);
        using var model = Model(Fast with { Timeout = TimeSpan.FromSeconds(1), MaxRetries = 2 });

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => GenerateOne(model, "Hello", new SamplingParameters()));

        Assert.Equal($"Remote model '{LoopbackOpenAiServer.DefaultModelName}': POST {_server.CompletionsEndpoint} failed after 3 attempts: timed out after 1 s", e.Message);
        Assert.Equal(3, _server.RequestCount);
    }

    [Fact]
    public async Task Connection_errors_are_retried_then_reported_with_the_endpoint()
    {
        string closedModelId;
        string closedEndpoint;
        await using (var closed = await LoopbackOpenAiServer.StartAsync())
        {
            closedModelId = closed.ModelId();
            closedEndpoint = closed.CompletionsEndpoint;
        }
        using var model = new OpenAiCompatibleModel(closedModelId, Fast with { MaxRetries = 2 });

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => GenerateOne(model, "Hello", new SamplingParameters()));

        Assert.StartsWith($"Remote model '{LoopbackOpenAiServer.DefaultModelName}': POST {closedEndpoint} failed after 3 attempts: ", e.Message);
        Assert.Equal(3, e.Attempts);
        Assert.Null(e.StatusCode);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_retried_or_wrapped()
    {
        _server.EnqueueDelay(TimeSpan.FromSeconds(20));
        using var model = Model();
        using var cts = new CancellationTokenSource();

        // Cancel once the server holds the request (not after a fixed time, which a loaded machine may not meet).
        var call = model.GenerateAsync([new GenerationRequest("Hello", new SamplingParameters(), 1)], cts.Token);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_server.RequestCount == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        Assert.Equal(1, _server.RequestCount);
    }

    // ---- secrets ---------------------------------------------------------------------------------

    [Fact]
    public async Task The_api_key_never_appears_in_errors_or_the_identity()
    {
        _server.RequiredApiKey = "sk-the-right-one"; // answers 401 quoting the key it was sent
        using var model = Model();

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => GenerateOne(model, "Hello", new SamplingParameters()));

        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Contains("Incorrect API key provided: [redacted]", e.Message);
        Assert.DoesNotContain(Key, e.ToString());
        Assert.DoesNotContain(Key, model.Identity.ModelId + model.Identity.CheckpointHash);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task The_right_key_is_accepted()
    {
        _server.RequiredApiKey = Key;
        using var model = Model();

        var result = await GenerateOne(model, "Hello", new SamplingParameters(MaxNewTokens: 1));

        Assert.Equal(" I", result.Text);
    }
}
