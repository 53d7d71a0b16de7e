using System.Net;
using System.Text.Json.Nodes;
using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Remote;
using CaiEvents.TestSupport;

namespace CaiEvents.UnitTests.Models.Remote;

/// <summary>
/// Real HTTP against <see cref="LoopbackOpenAiServer"/>'s chat side in each server's documented shape; no mocked client.
/// Expected masses are worked by hand from the log-probabilities the server is told to list.
/// </summary>
public sealed class OpenAiChatModelTests : IAsyncLifetime
{
    private const string Key = "sk-chat-3e9a";

    private static readonly RemoteModelOptions Fast = new()
    {
        ApiKey = Key,
        Timeout = TimeSpan.FromSeconds(10),
        MaxRetries = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromSeconds(5),
    };

    private static readonly IReadOnlyList<ChatMessage> Conversation =
        [new(ChatMessage.System, "You compare answers."), ChatMessage.FromUser("Which answer is kinder?\n(A) yes\n(B) no")];

    private LoopbackOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private OpenAiChatModel Model(bool prefill, RemoteModelOptions? options = null) =>
        new(_server.ModelId() + "?api=chat", prefill, options ?? Fast);

    private static string Prompt(string prefill = "") => ServerChatMessages.Encode(Conversation) + prefill;

    private static KeyValuePair<string, double> Top(string token, double probability) => new(token, Math.Log(probability));

    private static JsonArray Messages(params (string Role, string Content)[] messages) =>
        new(messages.Select(m => (JsonNode?)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());

    private static void AssertJson(JsonNode expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual?.ToJsonString()}");

    // ---- identity ---------------------------------------------------------------------------------

    [Fact]
    public void The_api_suffix_is_not_sent_and_the_stand_in_hash_stays_that_of_base_and_name()
    {
        using var model = Model(prefill: true);

        Assert.Equal(_server.ModelId() + "?api=chat", model.Identity.ModelId);
        Assert.Equal(RemoteModelId.Parse(_server.ModelId()).StandInCheckpointHash, model.Identity.CheckpointHash);
        Assert.Equal(RemoteApi.Chat, model.Id.Api);
        Assert.True(model.ChatTemplate!.IsServerSide);
        Assert.Equal("", model.ChatTemplate.EndOfTurn);
        Assert.Equal(_server.ChatCompletionsEndpoint, model.Endpoint);
    }

    [Fact]
    public void The_servers_models_entry_given_by_the_probe_is_part_of_the_identity_and_top_log_probs_must_be_positive()
    {
        var served = new ServedModel(LoopbackOpenAiServer.DefaultModelName, OwnedBy: "vllm", Root: "/models/x", MaxModelLength: 2048);
        using var model = new OpenAiChatModel(_server.ModelId(), prefill: true, Fast, served: served);

        Assert.Same(served, model.Identity.Served);
        var e = Assert.Throws<ArgumentException>(() => new OpenAiChatModel(_server.ModelId(), prefill: true, Fast with { TopLogProbs = 0 }));
        Assert.Equal("Models:Remote:TopLogProbs must be 1 or more (got 0).", e.Message);
    }

    [Fact]
    public void The_server_side_template_renders_messages_text_that_names_endpoint_and_model_in_provenance()
    {
        using var model = Model(prefill: true);
        using var other = new OpenAiChatModel(_server.ModelId("other-model"), prefill: true, Fast);

        Assert.Equal(ServerChatMessages.Encode(Conversation), model.ChatTemplate!.Render(Conversation, addGenerationPrompt: true));
        Assert.StartsWith("server@", model.ChatTemplate.ProvenanceName);
        Assert.NotEqual(model.ChatTemplate.ProvenanceName, other.ChatTemplate!.ProvenanceName);
    }

    // ---- generation -------------------------------------------------------------------------------

    [Theory]
    [InlineData(ServerFlavour.Vllm, null)]
    [InlineData(ServerFlavour.LlamaCpp, "b5000-loopback")]
    [InlineData(ServerFlavour.Ollama, "fp_ollama")]
    [InlineData(ServerFlavour.OpenAi, "fp_0a1b2c3d4e")]
    public async Task Generation_sends_the_messages_and_sampling_and_reads_each_servers_answer(ServerFlavour flavour, string? fingerprint)
    {
        _server.Flavour = flavour;
        using var model = Model(prefill: false);
        var sampling = new SamplingParameters(Temperature: 0.7, TopP: 0.9, TopK: 0, MaxNewTokens: 5,
            StopSequences: ["\n\nHuman:", "###", "<|end|>", "STOP", "fifth"]);

        var result = (await model.GenerateAsync([new GenerationRequest(Prompt(), sampling, 42)]))[0];

        Assert.Equal(" I am a loopback model.", result.Text); // 5 whitespace tokens of the fixed reply
        Assert.Equal(5, result.GeneratedTokens);
        Assert.Equal((3 + 4) + (8 + 4), result.PromptTokens); // the loopback server counts each message's words + 4
        Assert.Equal(fingerprint, result.Served?.SystemFingerprint);
        if (fingerprint is not null) Assert.Equal(LoopbackOpenAiServer.DefaultModelName, result.Served!.Id);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {Key}", request.Authorization);
        AssertJson(new JsonObject
        {
            ["model"] = LoopbackOpenAiServer.DefaultModelName,
            ["messages"] = Messages(("system", "You compare answers."), ("user", "Which answer is kinder?\n(A) yes\n(B) no")),
            ["max_tokens"] = 5,
            ["temperature"] = 0.7,
            ["top_p"] = 0.9,
            ["stop"] = new JsonArray("\n\nHuman:", "###", "<|end|>", "STOP"),
            ["seed"] = 42,
            ["stream"] = false,
        }, request.Body);
    }

    [Fact]
    public async Task Stop_sequences_beyond_the_fourth_are_applied_client_side_and_top_k_is_sent_when_asked()
    {
        using var model = Model(prefill: false);

        var result = (await model.GenerateAsync([new GenerationRequest(Prompt(),
            new SamplingParameters(TopK: 20, MaxNewTokens: 20, StopSequences: ["#1", "#2", "#3", "#4", " model"]), 1)]))[0];

        Assert.Equal(" I am a loopback", result.Text);
        Assert.Equal(20, Assert.Single(_server.Requests).Body!["top_k"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_NUL_in_the_servers_text_or_tokens_is_stored_as_the_replacement_character()
    {
        // PostgreSQL (the event store) cannot hold U+0000; a server's output cannot be refused, so it is made storable.
        _server.RespondToChat = _ => "a\u0000b";
        _server.TopLogProbsAt = (_, _, _) => [Top("A", 0.6), Top("\u0000", 0.3)];
        using var model = Model(prefill: true);

        var result = (await model.GenerateAsync([new GenerationRequest(Prompt(), new SamplingParameters(MaxNewTokens: 5), 1)]))[0];
        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.Equal("a\uFFFDb", result.Text);
        Assert.Contains(new TopLogProb("\uFFFD", Math.Log(0.3)), scores[0].Evidence!.TopLogProbs);
    }

    [Fact]
    public async Task With_prefill_the_prefill_is_a_final_assistant_message_the_server_is_asked_to_continue()
    {
        using var model = Model(prefill: true);

        await model.GenerateAsync([new GenerationRequest(Prompt("Let's think step by step:"), new SamplingParameters(MaxNewTokens: 3), 5)]);

        var body = Assert.Single(_server.Requests).Body!;
        AssertJson(Messages(("system", "You compare answers."), ("user", "Which answer is kinder?\n(A) yes\n(B) no"),
            ("assistant", "Let's think step by step:")), body["messages"]);
        Assert.True(body["continue_final_message"]!.GetValue<bool>());
        Assert.False(body["add_generation_prompt"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Without_prefill_the_prefill_ends_the_last_user_message_after_a_blank_line()
    {
        using var model = Model(prefill: false);

        await model.GenerateAsync([new GenerationRequest(Prompt("Let's think step by step:"), new SamplingParameters(MaxNewTokens: 3), 5)]);

        var body = Assert.Single(_server.Requests).Body!;
        AssertJson(Messages(("system", "You compare answers."),
            ("user", "Which answer is kinder?\n(A) yes\n(B) no\n\nLet's think step by step:")), body["messages"]);
        Assert.Null(body["continue_final_message"]);
        Assert.Null(body["add_generation_prompt"]);
    }

    [Fact]
    public async Task A_prompt_that_is_not_messages_text_is_sent_as_one_user_message()
    {
        using var model = Model(prefill: true);

        await model.GenerateAsync([new GenerationRequest("Human: hi\n\nAssistant:", new SamplingParameters(MaxNewTokens: 3), 5)]);

        AssertJson(Messages(("user", "Human: hi\n\nAssistant:")), Assert.Single(_server.Requests).Body!["messages"]);
    }

    // ---- labels from top log-probs ----------------------------------------------------------------

    [Theory]
    [InlineData(ServerFlavour.Vllm)]
    [InlineData(ServerFlavour.LlamaCpp)]
    [InlineData(ServerFlavour.Ollama)]
    public async Task With_prefill_the_options_are_read_at_the_answer_position_after_the_opening(ServerFlavour flavour)
    {
        _server.Flavour = flavour;
        _server.RespondToChat = _ => "A";
        _server.TopLogProbsAt = (_, _, _) => [Top("A", 0.7), Top("B", 0.2), Top(" A", 0.05), Top("C", 0.01)];
        using var model = Model(prefill: true);

        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.Equal([" (A)", " (B)"], scores.Select(s => s.Continuation));
        Assert.Equal(Math.Log(0.75), scores[0].TotalLogProb, 12); // "A" 0.7 + " A" 0.05
        Assert.Equal(Math.Log(0.2), scores[1].TotalLogProb, 12);
        var evidence = scores[0].Evidence!;
        Assert.Same(evidence, scores[1].Evidence);
        Assert.Equal(0.95, evidence.OptionMass, 12);
        Assert.Equal([new TopLogProb("A", Math.Log(0.7)), new TopLogProb("B", Math.Log(0.2)), new TopLogProb(" A", Math.Log(0.05)),
            new TopLogProb("C", Math.Log(0.01))], evidence.TopLogProbs);

        var request = Assert.Single(_server.Requests);
        Assert.Equal(request.RawBody, evidence.SentRequest);
        AssertJson(new JsonObject
        {
            ["model"] = LoopbackOpenAiServer.DefaultModelName,
            ["messages"] = Messages(("system", "You compare answers."), ("user", "Which answer is kinder?\n(A) yes\n(B) no"),
                ("assistant", "The answer is: (")),
            ["max_tokens"] = 1,
            ["temperature"] = 1.0,
            ["top_p"] = 1.0,
            ["logprobs"] = true,
            ["top_logprobs"] = 20,
            ["continue_final_message"] = true,
            ["add_generation_prompt"] = false,
            ["stream"] = false,
        }, request.Body);
        Assert.Equal(flavour == ServerFlavour.Vllm ? null : _server.FlavourFingerprint, evidence.Served?.SystemFingerprint);
    }

    [Fact]
    public async Task Without_prefill_an_opening_parenthesis_at_position_0_puts_the_options_at_position_1()
    {
        _server.Flavour = ServerFlavour.OpenAi;
        _server.Tokenize = text => text.Select(c => c.ToString()).ToList();
        _server.RespondToChat = _ => "(A)";
        _server.TopLogProbsAt = (_, position, _) => position == 0
            ? [Top("(", 0.8), Top("The", 0.1), Top("A", 0.05)]
            : [Top("A", 0.6), Top("B", 0.3), Top("C", 0.05)];
        using var model = Model(prefill: false, Fast with { TopLogProbs = 5 });

        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.Equal(Math.Log(0.53), scores[0].TotalLogProb, 12); // 0.05 + 0.8 × 0.6
        Assert.Equal(Math.Log(0.24), scores[1].TotalLogProb, 12); // 0.8 × 0.3
        Assert.Equal(0.77, scores[0].Evidence!.OptionMass, 12);
        Assert.Equal(6, scores[0].Evidence!.TopLogProbs.Count); // both positions, as received
        Assert.Equal("fp_0a1b2c3d4e", scores[0].Evidence!.Served!.SystemFingerprint);

        var body = Assert.Single(_server.Requests).Body!;
        AssertJson(new JsonObject
        {
            ["model"] = LoopbackOpenAiServer.DefaultModelName,
            ["messages"] = Messages(("system", "You compare answers."), ("user", "Which answer is kinder?\n(A) yes\n(B) no\n\nThe answer is:")),
            ["max_tokens"] = 2,
            ["temperature"] = 0.0,
            ["top_p"] = 1.0,
            ["logprobs"] = true,
            ["top_logprobs"] = 5,
            ["stream"] = false,
        }, body);
    }

    [Fact]
    public async Task Without_prefill_a_direct_answer_at_position_0_is_read_there()
    {
        _server.Flavour = ServerFlavour.OpenAi;
        _server.RespondToChat = _ => " B is kinder";
        _server.TopLogProbsAt = (_, position, _) => position == 0
            ? [Top(" B", 0.5), Top("(B", 0.2), Top(" A", 0.1), Top("Option", 0.1)]
            : [Top(" is", 0.9)];
        using var model = Model(prefill: false);

        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.Equal(Math.Log(0.1), scores[0].TotalLogProb, 12);
        Assert.Equal(Math.Log(0.7), scores[1].TotalLogProb, 12);
        Assert.Equal(4, scores[0].Evidence!.TopLogProbs.Count); // position 1 not read: position 0 was not the opening
    }

    [Fact]
    public async Task A_server_ignoring_top_logprobs_gives_the_mass_of_the_generated_token_alone()
    {
        _server.IgnoreTopLogProbs = true;
        _server.RespondToChat = _ => "A";
        _server.TopLogProbsAt = (_, _, _) => [Top("A", 0.7), Top("B", 0.2)];
        using var model = Model(prefill: true);

        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.Equal(Math.Log(0.7), scores[0].TotalLogProb, 12);
        Assert.Equal(TopLogProbOptions.FloorLogProb, scores[1].TotalLogProb);
        Assert.Equal(0.7, scores[0].Evidence!.OptionMass, 12);
        Assert.Equal([new TopLogProb("A", Math.Log(0.7))], scores[0].Evidence!.TopLogProbs);
    }

    [Theory]
    [InlineData(ServerFlavour.Vllm)]
    [InlineData(ServerFlavour.LlamaCpp)]
    public async Task A_server_without_log_probs_gives_zero_mass_and_the_floor_without_failing(ServerFlavour flavour)
    {
        _server.Flavour = flavour;
        _server.IgnoreLogProbs = true;
        using var model = Model(prefill: true);

        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.All(scores, s => Assert.Equal(TopLogProbOptions.FloorLogProb, s.TotalLogProb));
        Assert.Equal(0.0, scores[0].Evidence!.OptionMass);
        Assert.Empty(scores[0].Evidence!.TopLogProbs);
    }

    [Fact]
    public async Task Options_outside_the_top_list_get_the_floor_and_a_low_mass_is_not_an_error()
    {
        _server.RespondToChat = _ => "I";
        _server.TopLogProbsAt = (_, _, _) => [Top("I", 0.6), Top("Neither", 0.3), Top(" B", 0.02)];
        using var model = Model(prefill: true);

        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.Equal(TopLogProbOptions.FloorLogProb, scores[0].TotalLogProb);
        Assert.Equal(Math.Log(0.02), scores[1].TotalLogProb, 12);
        Assert.Equal(0.02, scores[0].Evidence!.OptionMass, 12);
    }

    [Fact]
    public async Task Impossible_tokens_written_as_null_or_as_a_named_literal_are_listed_with_the_floor()
    {
        // pydantic (vLLM's serialiser) writes -inf as null; some servers quote the literal; vLLM itself clamps to -9999.0.
        _server.RespondToChat = _ => "A";
        _server.TopLogProbsAt = (_, _, _) => [Top("A", 0.7), new("B", -1234.5), new(" B", -2345.5), new("(B", -9999.0)];
        _server.RewriteChatResponse = json => json.Replace("-1234.5", "null", StringComparison.Ordinal)
            .Replace("-2345.5", "\"-Infinity\"", StringComparison.Ordinal);
        using var model = Model(prefill: true);

        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.Equal(TopLogProbOptions.FloorLogProb, scores[1].TotalLogProb);
        Assert.Equal(0.7, scores[0].Evidence!.OptionMass, 12);
        Assert.Equal([new TopLogProb("A", Math.Log(0.7)), new TopLogProb("B", -100.0), new TopLogProb(" B", -100.0), new TopLogProb("(B", -9999.0)],
            scores[0].Evidence!.TopLogProbs);
    }

    [Fact]
    public async Task Only_the_configured_number_of_top_log_probs_is_asked_for_and_read()
    {
        _server.RespondToChat = _ => "A";
        _server.TopLogProbsAt = (_, _, _) => [Top("A", 0.5), Top("C", 0.3), Top("B", 0.1)];
        using var model = Model(prefill: true, Fast with { TopLogProbs = 2 });

        var scores = await model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]);

        Assert.Equal(2, Assert.Single(_server.Requests).Body!["top_logprobs"]!.GetValue<int>());
        Assert.Equal(TopLogProbOptions.FloorLogProb, scores[1].TotalLogProb); // B was third, beyond the two listed
    }

    [Fact]
    public async Task Scoring_many_questions_keeps_each_questions_own_answer_in_order()
    {
        // The question's last user message names the option the server favours: "favour A" or "favour B".
        _server.RespondToChat = _ => "A";
        _server.TopLogProbsAt = (call, _, _) => call.Messages[^2].Content.EndsWith("favour A", StringComparison.Ordinal)
            ? [Top("A", 0.9), Top("B", 0.05)]
            : [Top("B", 0.8), Top("A", 0.1)];
        using var model = Model(prefill: true, Fast with { MaxConcurrentRequests = 3 });
        IReadOnlyList<string> options = [" (A)", " (B)"];
        var items = Enumerable.Range(0, 7)
            .Select(i => (ServerChatMessages.Encode([ChatMessage.FromUser($"question {i}: favour {(i % 3 == 0 ? 'A' : 'B')}")]) + "The answer is:", options))
            .ToList();

        var results = await ((ITextModel)model).ScoreManyAsync(items);

        Assert.Equal(7, _server.RequestCount);
        for (var i = 0; i < 7; i++)
        {
            var expectedA = i % 3 == 0 ? 0.9 : 0.1;
            Assert.Equal(Math.Log(expectedA), results[i][0].TotalLogProb, 12);
            Assert.Contains($"question {i}:", results[i][0].Evidence!.SentRequest);
        }
    }

    // ---- errors and resilience --------------------------------------------------------------------

    [Fact]
    public async Task OpenAi_rejects_the_prefill_parameters_with_400_in_one_line_with_a_hint_and_no_retry()
    {
        _server.Flavour = ServerFlavour.OpenAi;
        using var model = Model(prefill: true);

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]));

        Assert.Equal($"Remote model '{LoopbackOpenAiServer.DefaultModelName}': POST {_server.ChatCompletionsEndpoint} failed: HTTP 400 "
            + "(Bad Request): Unrecognized request argument supplied: continue_final_message (this request sends logprobs=true, "
            + "top_logprobs=20, continue_final_message=true, add_generation_prompt=false; the server may not support them)", e.Message);
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Equal(1, _server.RequestCount);
        Assert.DoesNotContain(Key, e.Message);
    }

    [Fact]
    public async Task Too_many_top_log_probs_are_refused_by_the_server_in_its_shape()
    {
        using var model = Model(prefill: true, Fast with { TopLogProbs = 21 });

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => model.ScoreAsync(Prompt("The answer is:"), [" (A)", " (B)"]));

        Assert.Contains("HTTP 400 (Bad Request): top_logprobs must be between 0 and 20, got 21", e.Message);
    }

    [Theory]
    [InlineData(ServerFlavour.Vllm, 503)]
    [InlineData(ServerFlavour.LlamaCpp, 500)]
    [InlineData(ServerFlavour.Ollama, 502)]
    [InlineData(ServerFlavour.OpenAi, 429)]
    public async Task Transient_failures_are_retried_until_the_server_answers(ServerFlavour flavour, int status)
    {
        _server.Flavour = flavour;
        _server.EnqueueFault(status, count: 2, retryAfter: status == 429 ? TimeSpan.Zero : null);
        using var model = Model(prefill: false);

        var result = (await model.GenerateAsync([new GenerationRequest(Prompt(), new SamplingParameters(MaxNewTokens: 2), 3)]))[0];

        Assert.Equal(" I am", result.Text);
        Assert.Equal(3, _server.RequestCount);
    }

    [Fact]
    public async Task Gives_up_after_max_retries_with_the_servers_message_and_the_chat_endpoint()
    {
        _server.Flavour = ServerFlavour.LlamaCpp;
        _server.EnqueueFault(503, count: 10, message: "Loading model");
        using var model = Model(prefill: false, Fast with { MaxRetries = 2 });

        var e = await Assert.ThrowsAsync<RemoteModelException>(() =>
            model.GenerateAsync([new GenerationRequest(Prompt(), new SamplingParameters(), 3)]));

        Assert.Equal($"Remote model '{LoopbackOpenAiServer.DefaultModelName}': POST {_server.ChatCompletionsEndpoint} failed after 3 attempts: "
            + "HTTP 503 (Service Unavailable): Loading model", e.Message);
        Assert.Equal(_server.ChatCompletionsEndpoint, e.Endpoint);
        Assert.Equal(3, e.Attempts);
    }

    [Fact]
    public async Task A_slow_attempt_times_out_and_is_retried()
    {
        _server.EnqueueDelay(TimeSpan.FromSeconds(20));
        using var model = Model(prefill: false, Fast with { Timeout = TimeSpan.FromSeconds(1) });

        var result = (await model.GenerateAsync([new GenerationRequest(Prompt(), new SamplingParameters(MaxNewTokens: 2), 3)]))[0];

        Assert.Equal(" I am", result.Text);
        Assert.Equal(2, _server.RequestCount);
    }

    [Fact]
    public async Task A_chat_only_server_answers_chat_and_refuses_completions_with_404()
    {
        _server.ChatOnly = true;
        using var chat = Model(prefill: false);
        using var completions = new OpenAiCompatibleModel(_server.ModelId(), Fast);

        var result = (await chat.GenerateAsync([new GenerationRequest(Prompt(), new SamplingParameters(MaxNewTokens: 2), 3)]))[0];
        var e = await Assert.ThrowsAsync<RemoteModelException>(() =>
            completions.GenerateAsync([new GenerationRequest("Hello", new SamplingParameters(), 3)]));

        Assert.Equal(" I am", result.Text);
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
    }

    // ---- the loopback server's /v1/models shapes --------------------------------------------------

    [Theory]
    [InlineData(ServerFlavour.Vllm, "vllm")]
    [InlineData(ServerFlavour.LlamaCpp, "llamacpp")]
    [InlineData(ServerFlavour.Ollama, "library")]
    [InlineData(ServerFlavour.OpenAi, "system")]
    public async Task The_models_list_has_each_servers_entry_shape(ServerFlavour flavour, string owner)
    {
        _server.Flavour = flavour;
        using var http = new HttpClient();

        var list = JsonNode.Parse(await http.GetStringAsync(_server.BaseUrl + "/models"))!.AsObject();

        Assert.Equal("list", list["object"]!.GetValue<string>());
        var entry = Assert.Single(list["data"]!.AsArray())!.AsObject();
        Assert.Equal(LoopbackOpenAiServer.DefaultModelName, entry["id"]!.GetValue<string>());
        Assert.Equal("model", entry["object"]!.GetValue<string>());
        Assert.Equal(owner, entry["owned_by"]!.GetValue<string>());
        Assert.Equal(flavour == ServerFlavour.Vllm, entry.ContainsKey("max_model_len") && entry.ContainsKey("root") && entry.ContainsKey("permission"));
        Assert.Equal(flavour == ServerFlavour.LlamaCpp, entry.ContainsKey("meta"));
    }
}
