using System.Net;
using System.Net.Sockets;
using CaiEvents.Models;
using CaiEvents.Models.Remote;
using CaiEvents.TestSupport;

namespace CaiEvents.UnitTests.Models.Remote;

/// <summary><see cref="RemoteModelProbe"/> and the catalog's API choice against real loopback HTTP servers.</summary>
public class RemoteModelProbeTests
{
    private static readonly RemoteModelOptions Fast = new()
    {
        Timeout = TimeSpan.FromSeconds(10), MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(5), MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task A_completions_only_server_with_echo_offers_completions_echo_and_seed_but_no_chat()
    {
        // The repository's vLLM-like completions server: /v1/completions only, so /v1/models and /v1/chat/completions answer 404.
        await using var server = await LoopbackOpenAiServer.StartAsync();

        var found = await RemoteModelProbe.ProbeAsync(server.ModelId(), Fast);

        Assert.False(found.Chat);
        Assert.True(found.Completions);
        Assert.True(found.EchoLogProbs);
        Assert.Equal(0, found.TopLogProbs);
        Assert.True(found.Seed);
        Assert.False(found.Prefill);
        Assert.Null(found.Served);
        Assert.True(found.CanLabel);
        Assert.Contains(found.Notes, n => n.StartsWith("models: GET /models answered HTTP 404", StringComparison.Ordinal));
        Assert.Contains(found.Notes, n => n.StartsWith("chat: HTTP 404", StringComparison.Ordinal));
        // Completions probes: plain, echo (echo: true, logprobs: 1, max_tokens: 1), seed; nothing else reached the completions endpoint.
        var bodies = server.Requests.Select(r => r.Body!).ToList();
        Assert.Equal(3, bodies.Count);
        Assert.All(bodies, b => Assert.Equal(1, b["max_tokens"]!.GetValue<int>()));
        var echo = Assert.Single(bodies, b => b["echo"] is not null);
        Assert.True(echo["echo"]!.GetValue<bool>());
        Assert.Equal(1, echo["logprobs"]!.GetValue<int>());
        Assert.Equal(1234, Assert.Single(bodies, b => b["seed"] is not null)["seed"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_server_whose_echo_returns_only_generated_log_probs_has_no_echo()
    {
        await using var server = await LoopbackOpenAiServer.StartAsync();
        server.EchoLogProbs = false;

        var found = await RemoteModelProbe.ProbeAsync(server.ModelId(), Fast);

        Assert.True(found.Completions);
        Assert.False(found.EchoLogProbs);
        Assert.False(found.CanLabel);
        Assert.Contains(found.Notes, n => n.StartsWith("echo: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_server_is_one_line_naming_the_url()
    {
        var url = $"http://127.0.0.1:{FreePort()}/v1";

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => RemoteModelProbe.ProbeAsync($"openai:{url}#m", Fast with { MaxRetries = 0 }));

        Assert.StartsWith($"Remote model 'm': GET {url}/models failed: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task The_catalog_uses_completions_for_a_server_without_chat_and_sends_it_no_probe_completions()
    {
        await using var server = await LoopbackOpenAiServer.StartAsync();

        using var model = ModelCatalog.Load(server.ModelId(), ModelOptions.Cpu with { Remote = Fast });

        Assert.IsType<OpenAiCompatibleModel>(model);
        Assert.Null(model.Identity.Served);
        Assert.Empty(server.Requests); // the API choice asks /models and /chat/completions only
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
