using System.Net;
using System.Net.Sockets;
using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Remote;
using CaiEvents.TestSupport;

namespace CaiEvents.UnitTests.Models.Remote;

/// <summary>
/// <see cref="RemoteModelProbe"/> and the catalog's API choice against real loopback HTTP servers in the documented shapes of vLLM,
/// llama.cpp's server, Ollama and OpenAI. Expected capabilities are written from each server's documentation, not from the probe.
/// </summary>
public class RemoteModelProbeTests
{
    private static readonly RemoteModelOptions Fast = new()
    {
        Timeout = TimeSpan.FromSeconds(10), MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(5), MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>25 candidates at every position, so a server that honours top_logprobs: 20 can list 20.</summary>
    private static IReadOnlyList<KeyValuePair<string, double>> ManyCandidates(ChatCall call, int position, string token) =>
        [new(token, -0.1), .. Enumerable.Range(1, 24).Select(i => new KeyValuePair<string, double>($" alt{i}", -1.0 - i))];

    /// <summary>A loopback server configured as each server's documentation describes it.</summary>
    private static async Task<LoopbackOpenAiServer> StartAsync(ServerFlavour flavour)
    {
        var server = await LoopbackOpenAiServer.StartAsync();
        server.Flavour = flavour;
        server.TopLogProbsAt = ManyCandidates;
        switch (flavour)
        {
            case ServerFlavour.LlamaCpp:
                // llama-server's /v1/completions returns log-probs for generated tokens only: no echo of the prompt's.
                server.EchoLogProbs = false;
                break;
            case ServerFlavour.Ollama:
                // Ollama's OpenAI compatibility lists /v1/completions but not `echo`; chat takes logprobs/top_logprobs.
                server.EchoLogProbs = false;
                break;
            case ServerFlavour.OpenAi:
                // OpenAI's chat models answer /v1/completions with 404 (a chat model, not supported there).
                server.ChatOnly = true;
                break;
        }
        return server;
    }

    [Theory]
    //                                chat  compl  echo   top  seed  prefill
    [InlineData(ServerFlavour.Vllm, true, true, true, 20, true, true)]
    [InlineData(ServerFlavour.LlamaCpp, true, true, false, 20, true, true)]
    [InlineData(ServerFlavour.Ollama, true, true, false, 20, true, true)]
    [InlineData(ServerFlavour.OpenAi, true, false, false, 20, true, false)]
    public async Task Each_flavour_reports_the_capabilities_its_documentation_gives(ServerFlavour flavour, bool chat, bool completions, bool echo,
        int topLogProbs, bool seed, bool prefill)
    {
        await using var server = await StartAsync(flavour);

        var found = await RemoteModelProbe.ProbeAsync(server.ModelId(), Fast);

        Assert.Equal((chat, completions, echo, topLogProbs, seed, prefill),
            (found.Chat, found.Completions, found.EchoLogProbs, found.TopLogProbs, found.Seed, found.Prefill));
        Assert.True(found.CanLabel);
        Assert.True(found.CanGenerate);
    }

    [Fact]
    public async Task Served_entries_carry_what_each_flavour_lists()
    {
        // vLLM: owned_by "vllm", root and max_model_len; no system_fingerprint.
        await using (var vllm = await StartAsync(ServerFlavour.Vllm))
        {
            vllm.ModelRoot = "/weights/qwen";
            vllm.MaxModelLength = 4096;
            var found = await RemoteModelProbe.ProbeAsync(vllm.ModelId(), Fast);
            Assert.Equal(new ServedModel(LoopbackOpenAiServer.DefaultModelName, "vllm", "/weights/qwen", 4096), found.Served);
        }
        // llama.cpp: owned_by "llamacpp", the length from meta.n_ctx_train, and the build's fingerprint.
        await using (var llama = await StartAsync(ServerFlavour.LlamaCpp))
        {
            llama.MaxModelLength = 8192;
            var found = await RemoteModelProbe.ProbeAsync(llama.ModelId(), Fast);
            Assert.Equal(new ServedModel(LoopbackOpenAiServer.DefaultModelName, "llamacpp", null, 8192, "b5000-loopback"), found.Served);
            Assert.Contains(found.Notes, n => n.Contains("n_ctx_train", StringComparison.Ordinal));
        }
        // Ollama: tagged names (NAME:latest), owned_by "library", fingerprint fp_ollama.
        await using (var ollama = await StartAsync(ServerFlavour.Ollama))
        {
            ollama.ServedModelNames = ["llama3.2:latest", "qwen2.5:0.5b"];
            var found = await RemoteModelProbe.ProbeAsync(ollama.ModelId("llama3.2"), Fast);
            Assert.Equal(new ServedModel("llama3.2:latest", "library", SystemFingerprint: "fp_ollama"), found.Served);
        }
        // OpenAI: owned_by "system" and the response's system_fingerprint.
        await using (var openAi = await StartAsync(ServerFlavour.OpenAi))
        {
            var found = await RemoteModelProbe.ProbeAsync(openAi.ModelId(), Fast);
            Assert.Equal(new ServedModel(LoopbackOpenAiServer.DefaultModelName, "system", SystemFingerprint: "fp_0a1b2c3d4e"), found.Served);
        }
    }

    [Fact]
    public async Task A_name_the_server_does_not_list_has_no_served_entry_and_a_note()
    {
        await using var server = await StartAsync(ServerFlavour.Vllm);

        var found = await RemoteModelProbe.ProbeAsync(server.ModelId("other-model"), Fast);

        Assert.Null(found.Served);
        Assert.Contains($"models: 'other-model' is not among the 1 listed ({LoopbackOpenAiServer.DefaultModelName})", found.Notes);
    }

    [Fact]
    public async Task The_probe_sends_what_its_documentation_says()
    {
        await using var server = await StartAsync(ServerFlavour.Vllm);

        await RemoteModelProbe.ProbeAsync(server.ModelId(), Fast);

        var requests = server.Requests;
        Assert.Single(requests, r => r.Path == "/v1/models");
        var posts = requests.Where(r => r.Path != "/v1/models").Select(r => r.Body!).ToList();
        Assert.All(posts, b => Assert.Equal(1, b["max_tokens"]!.GetValue<int>()));
        var echo = Assert.Single(posts, b => b["echo"] is not null);
        Assert.True(echo["echo"]!.GetValue<bool>());
        Assert.Equal(1, echo["logprobs"]!.GetValue<int>());
        var top = Assert.Single(posts, b => b["top_logprobs"] is not null);
        Assert.True(top["logprobs"]!.GetValue<bool>());
        Assert.Equal(20, top["top_logprobs"]!.GetValue<int>());
        Assert.Equal(1234, Assert.Single(posts, b => b["seed"] is not null)["seed"]!.GetValue<long>());
        var prefill = Assert.Single(posts, b => b["continue_final_message"] is not null);
        Assert.True(prefill["continue_final_message"]!.GetValue<bool>());
        Assert.False(prefill["add_generation_prompt"]!.GetValue<bool>());
        var last = prefill["messages"]!.AsArray().Last()!;
        Assert.Equal("assistant", last["role"]!.GetValue<string>());
        Assert.Equal("The answer is: (", last["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Top_logprobs_falls_back_to_fewer_on_400_and_reports_a_server_that_ignores_them()
    {
        await using (var capped = await StartAsync(ServerFlavour.Vllm))
        {
            capped.MaxTopLogProbs = 5; // e.g. vLLM started with --max-logprobs 5: 20 is a 400
            var found = await RemoteModelProbe.ProbeAsync(capped.ModelId(), Fast);
            Assert.Equal(5, found.TopLogProbs);
            Assert.Contains(found.Notes, n => n.StartsWith("top_logprobs: 20 refused: HTTP 400", StringComparison.Ordinal));
        }
        await using (var ignoring = await StartAsync(ServerFlavour.Vllm))
        {
            ignoring.IgnoreTopLogProbs = true;
            var found = await RemoteModelProbe.ProbeAsync(ignoring.ModelId(), Fast);
            Assert.Equal(0, found.TopLogProbs);
            Assert.Contains("top_logprobs: asked for 20, the answer has none (ignored)", found.Notes);
        }
    }

    [Fact]
    public async Task A_chat_only_server_without_log_probs_can_generate_but_not_label()
    {
        await using var server = await StartAsync(ServerFlavour.OpenAi);
        server.IgnoreLogProbs = true;

        var found = await RemoteModelProbe.ProbeAsync(server.ModelId(), Fast);

        Assert.True(found.CanGenerate);
        Assert.False(found.CanLabel);
    }

    [Fact]
    public async Task A_completions_only_server_is_probed_as_such()
    {
        await using var server = await InFlightCountingServer.StartAsync();
        server.Hold = TimeSpan.Zero;

        var found = await RemoteModelProbe.ProbeAsync(server.ModelId("m", probe: true), Fast);

        Assert.False(found.Chat);
        Assert.True(found.Completions);
        Assert.False(found.EchoLogProbs); // its answers carry no logprobs at all
        Assert.Equal(0, found.TopLogProbs);
        Assert.False(found.Prefill);
        Assert.Null(found.Served);
        Assert.Contains(found.Notes, n => n.StartsWith("models: GET /models answered HTTP 404", StringComparison.Ordinal));
        Assert.Contains(found.Notes, n => n.StartsWith("chat: HTTP 404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_server_is_one_line_naming_the_url()
    {
        var url = $"http://127.0.0.1:{FreePort()}/v1";

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => RemoteModelProbe.ProbeAsync($"openai:{url}#m", Fast with { MaxRetries = 0 }));

        Assert.StartsWith($"Remote model 'm': GET {url}/models failed: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    // ---- the catalog's API choice ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(ServerFlavour.Vllm, true)]
    [InlineData(ServerFlavour.LlamaCpp, true)]
    [InlineData(ServerFlavour.OpenAi, false)]
    public async Task The_catalog_chooses_chat_with_the_probed_prefill_and_the_served_entry(ServerFlavour flavour, bool prefill)
    {
        await using var server = await StartAsync(flavour);

        using var model = ModelCatalog.Load(server.ModelId(), ModelOptions.Cpu with { Remote = Fast });

        var chat = Assert.IsType<OpenAiChatModel>(model);
        Assert.Equal(prefill, chat.Prefill);
        Assert.Equal(LoopbackOpenAiServer.DefaultModelName, chat.Identity.Served?.Id);
        Assert.DoesNotContain(server.Requests, r => r.Path == "/v1/completions"); // the choice never costs a completions request
    }

    [Fact]
    public async Task The_api_is_probed_once_per_process_for_a_base_url_and_name()
    {
        await using var server = await StartAsync(ServerFlavour.Vllm);
        var options = ModelOptions.Cpu with { Remote = Fast };

        var loads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => ModelCatalog.Load(server.ModelId(), options))));
        using var again = ModelCatalog.Load(server.ModelId(), options);
        foreach (var model in loads) model.Dispose();

        Assert.Single(server.Requests, r => r.Path == "/v1/models");
        Assert.Equal(2, server.Requests.Count(r => r.Path == "/v1/chat/completions")); // chat answers, then the prefill check
    }

    [Fact]
    public async Task An_api_suffix_skips_the_probe_altogether()
    {
        await using var server = await StartAsync(ServerFlavour.Vllm);

        using var completions = ModelCatalog.Load(server.ModelId() + "?api=completions", ModelOptions.Cpu with { Remote = Fast });
        using var chat = ModelCatalog.Load(server.ModelId() + "?api=chat", ModelOptions.Cpu with { Remote = Fast });

        Assert.IsType<OpenAiCompatibleModel>(completions);
        Assert.False(Assert.IsType<OpenAiChatModel>(chat).Prefill);
        Assert.Null(completions.Identity.Served);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_catalog_uses_completions_for_a_server_without_chat()
    {
        await using var server = await InFlightCountingServer.StartAsync();

        using var model = ModelCatalog.Load(server.ModelId("m", probe: true), ModelOptions.Cpu with { Remote = Fast });

        Assert.IsType<OpenAiCompatibleModel>(model);
        Assert.Null(model.Identity.Served);
        Assert.Equal(0, server.Requests); // the choice asks /models and /chat/completions only
    }

    [Fact]
    public void The_catalog_keeps_completions_when_the_server_cannot_be_reached_at_load_time()
    {
        using var model = ModelCatalog.Load($"openai:http://127.0.0.1:{FreePort()}/v1#m", ModelOptions.Cpu with { Remote = Fast with { MaxRetries = 0 } });

        Assert.IsType<OpenAiCompatibleModel>(model);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
