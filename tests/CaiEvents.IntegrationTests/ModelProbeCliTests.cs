using System.Text.Json;
using CaiEvents.TestSupport;

namespace CaiEvents.IntegrationTests;

/// <summary>`cai model probe` through the built CLI: JSON and table against a loopback server in vLLM's documented shapes, bad ids.</summary>
[Collection(nameof(IntegrationCollection))]
public class ModelProbeCliTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(120);
    private static readonly Dictionary<string, string> NoServices = [];

    [Fact]
    public async Task Probe_prints_a_vllm_servers_capabilities_as_json_and_as_a_table()
    {
        await using var server = await LoopbackOpenAiServer.StartAsync();
        server.TopLogProbsAt = (_, _, token) =>
            [new(token, -0.1), .. Enumerable.Range(1, 24).Select(i => new KeyValuePair<string, double>($" alt{i}", -1.0 - i))];

        var json = await CliProcess.RunAsync(NoServices, Quick, "model", "probe", server.ModelId(), "--json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        var lines = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var doc = JsonDocument.Parse(Assert.Single(lines));
        var result = doc.RootElement;
        // vLLM's documentation: chat and completions, echo with prompt log-probs, up to 20 top log-probs, seed, continue_final_message.
        Assert.False(result.GetProperty("local").GetBoolean());
        foreach (var name in new[] { "chat", "completions", "echo_log_probs", "seed", "prefill", "can_generate", "can_label" })
            Assert.True(result.GetProperty(name).GetBoolean(), name);
        Assert.Equal(20, result.GetProperty("top_log_probs").GetInt32());
        var served = result.GetProperty("served");
        Assert.Equal(LoopbackOpenAiServer.DefaultModelName, served.GetProperty("id").GetString());
        Assert.Equal("vllm", served.GetProperty("owned_by").GetString());
        Assert.Equal(2048, served.GetProperty("max_model_length").GetInt64());

        var table = await CliProcess.RunAsync(NoServices, Quick, "model", "probe", server.ModelId());
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("echo / prompt log-probs", table.Stdout);
        Assert.Contains("vllm", table.Stdout);
    }

    [Fact]
    public async Task Probe_of_a_bad_id_is_one_line_and_exit_2_and_a_local_id_says_it_is_local()
    {
        var bad = await CliProcess.RunAsync(NoServices, Quick, "model", "probe", "openai:http://127.0.0.1:8000/v1");
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("error: model 'openai:http://127.0.0.1:8000/v1': Remote model id", bad.Stderr);
        Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var local = await CliProcess.RunAsync(NoServices, Quick, "model", "probe", "builtin:tiny", "--json");
        Assert.True(local.ExitCode == 0, local.Stderr);
        using var doc = JsonDocument.Parse(local.Stdout);
        Assert.True(doc.RootElement.GetProperty("local").GetBoolean());
    }
}
