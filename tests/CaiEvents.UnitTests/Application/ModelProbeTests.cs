using System.Net;
using System.Net.Sockets;
using CaiEvents.Application;
using CaiEvents.Application.ModelManagement;
using CaiEvents.Hosting;
using CaiEvents.Models.Remote;
using CaiEvents.TestSupport;

namespace CaiEvents.UnitTests.Application;

/// <summary>The use case of <c>cai model probe</c>: remote capabilities as the server answers, local ones by construction, bad input in one line.</summary>
public class ModelProbeTests
{
    private static readonly RemoteModelOptions Fast = new() { Timeout = TimeSpan.FromSeconds(10), MaxRetries = 0 };

    [Fact]
    public async Task A_remote_model_reports_what_its_server_answered()
    {
        await using var server = await LoopbackOpenAiServer.StartAsync(); // vLLM's shapes by default

        var result = await ModelProbe.ProbeAsync(server.ModelId(), Fast, default);

        Assert.False(result.Local);
        Assert.True(result.Chat && result.Completions && result.EchoLogProbs && result.Seed && result.Prefill);
        Assert.True(result.CanLabel && result.CanGenerate);
        Assert.Equal("vllm", result.Served?.OwnedBy);
    }

    [Fact]
    public async Task A_local_model_is_described_by_construction()
    {
        var result = await ModelProbe.ProbeAsync("builtin:tiny", Fast, default);

        Assert.True(result.Local);
        Assert.True(result.Completions && result.EchoLogProbs && result.Seed && result.Prefill && result.CanLabel && result.CanGenerate);
        Assert.Null(result.TopLogProbs);
        Assert.False(result.Chat); // builtin:tiny has no chat template
        Assert.Null(result.Served);
        Assert.StartsWith("local model:", result.Notes[0]);
    }

    [Theory]
    [InlineData("nope:x", "model 'nope:x': Unknown model id 'nope:x'")]
    [InlineData("openai:http://127.0.0.1:8000/v1", "model 'openai:http://127.0.0.1:8000/v1': Remote model id 'openai:http://127.0.0.1:8000/v1' has no '#<model name>'")]
    public async Task A_bad_id_is_a_usage_error(string id, string expectedStart)
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => ModelProbe.ProbeAsync(id, Fast, default));

        Assert.StartsWith(expectedStart, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_service_error_in_one_line()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var e = await Assert.ThrowsAsync<ServiceUnreachableException>(() => ModelProbe.ProbeAsync($"openai:http://127.0.0.1:{port}/v1#m", Fast, default));

        Assert.StartsWith($"Remote model 'm': GET http://127.0.0.1:{port}/v1/models failed: ", e.Message);
    }
}
