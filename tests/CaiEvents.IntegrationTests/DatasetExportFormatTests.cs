using System.Text.Json;
using System.Text.Json.Nodes;
using CaiEvents.Contracts;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Hosting;
using Parquet.Serialization;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// `cai export sl|preferences --format text|conversational [--parquet]` through the CLI on a run made over RabbitMQ with
/// <c>builtin:echo</c>: text stays today's output, the conversational lines are TRL's shapes of the same rows, and each
/// Parquet file, read back with Parquet.Net, holds exactly the JSON lines' rows in the same order.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class DatasetExportFormatTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(90);

    private static async Task<Guid> ProduceRunAsync(TestServices services, int prompts)
    {
        using var worker = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq);
        var sampling = new SamplingParameters(MaxNewTokens: 8);
        var feedback = new FeedbackConfiguration("builtin:echo", sampling, "builtin:echo", PrinciplesPerLabel: 2, LabelMode.Soft, 0.4, 0.6, sampling,
            FeedbackPrompt.TemplateVersion);
        var request = Harness.Request(Harness.Prompts(prompts), revisions: 2) with
        {
            GeneratorModel = "builtin:echo", CriticModel = "builtin:echo", ReviserModel = "builtin:echo", Feedback = feedback,
        };
        var runId = await Harness.SubmitAsync(worker, request);
        var run = await Harness.WaitAsync(worker, runId);
        Assert.Equal(2 * prompts, run.Finalized);
        await Harness.DrainAsync(services);
        await worker.StopAsync();
        return runId;
    }

    private static async Task<byte[]> ExportAsync(IDictionary<string, string> env, string path, params string[] args)
    {
        var result = await CliProcess.RunAsync(env, Quick, ["export", .. args, "--out", path]);
        Assert.True(result.ExitCode == 0, $"export {string.Join(' ', args)}: {result.Stderr}");
        Assert.Equal(path, result.Stdout.Trim());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp-*"));
        return await File.ReadAllBytesAsync(path);
    }

    private static List<JsonNode> Lines(byte[] jsonl) =>
        [.. System.Text.Encoding.UTF8.GetString(jsonl).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];

    private static JsonNode Node<T>(T row) => JsonSerializer.SerializeToNode(row)!;

    private static async Task<IList<T>> ReadParquetAsync<T>(string path) where T : class, new() => (await ParquetSerializer.DeserializeAsync<T>(path)).Data;

    private static void AssertSameRows(IReadOnlyList<JsonNode> expected, IReadOnlyList<JsonNode> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(JsonNode.DeepEquals(expected[i], actual[i]), $"row {i}: {expected[i].ToJsonString()} != {actual[i].ToJsonString()}");
    }

    [Fact]
    public async Task Text_stays_todays_output_conversational_is_trls_shape_and_parquet_holds_the_same_rows()
    {
        await using var services = await TestServices.StartAsync();
        var run = (await ProduceRunAsync(services, prompts: 3)).ToString();
        var env = services.ProcessEnvironment();
        var dir = Directory.CreateTempSubdirectory("cai-export-formats-");
        try
        {
            string P(string name) => Path.Combine(dir.FullName, name);

            // SL: --format text is the default output, byte for byte.
            var slDefault = await ExportAsync(env, P("sl.jsonl"), "sl", "--run", run);
            Assert.Equal(slDefault, await ExportAsync(env, P("sl-text.jsonl"), "sl", "--run", run, "--format", "text"));
            var slText = Lines(slDefault);
            Assert.Equal(3, slText.Count);

            var slChat = Lines(await ExportAsync(env, P("sl-chat.jsonl"), "sl", "--run", run, "--format", "conversational"));
            Assert.Equal(slText.Count, slChat.Count);
            for (var i = 0; i < slText.Count; i++)
            {
                var expected = slText[i].DeepClone().AsObject();
                var messages = new JsonArray(
                    new JsonObject { ["role"] = "user", ["content"] = expected["prompt"]!.DeepClone() },
                    new JsonObject { ["role"] = "assistant", ["content"] = expected["completion"]!.DeepClone() });
                expected.Remove("prompt");
                expected.Remove("completion");
                expected.Insert(0, "messages", messages);
                Assert.Equal(expected.ToJsonString(), slChat[i].ToJsonString());
            }

            // SL Parquet: text rows are flat (rounds as JSON text); conversational rows are list/struct columns.
            var slParquet = await ExportAsync(env, P("sl.parquet"), "sl", "--run", run, "--parquet");
            Assert.Equal(slParquet, await ExportAsync(env, P("sl-again.parquet"), "sl", "--run", run, "--parquet", "--format", "text"));
            AssertSameRows(slText, [.. (await ReadParquetAsync<SlTextRow>(P("sl.parquet"))).Select(row =>
            {
                var node = Node(row).AsObject();
                node["rounds"] = JsonNode.Parse(row.Rounds!);
                return (JsonNode)node;
            })]);
            await ExportAsync(env, P("sl-chat.parquet"), "sl", "--run", run, "--parquet", "--format", "conversational");
            AssertSameRows(slChat, [.. (await ReadParquetAsync<SlConversationalRow>(P("sl-chat.parquet"))).Select(Node)]);

            // Preferences: the same four shapes.
            var prefDefault = await ExportAsync(env, P("prefs.jsonl"), "preferences", "--run", run);
            Assert.Equal(prefDefault, await ExportAsync(env, P("prefs-text.jsonl"), "preferences", "--run", run, "--format", "text"));
            var prefText = Lines(prefDefault);
            Assert.Equal(3, prefText.Count);
            var prefChat = Lines(await ExportAsync(env, P("prefs-chat.jsonl"), "preferences", "--run", run, "--format", "conversational"));
            Assert.Equal(prefText.Count, prefChat.Count);
            for (var i = 0; i < prefText.Count; i++)
            {
                foreach (var (field, role) in new[] { ("prompt", "user"), ("chosen", "assistant"), ("rejected", "assistant") })
                {
                    var message = Assert.Single(prefChat[i][field]!.AsArray())!;
                    Assert.Equal(role, (string?)message["role"]);
                    Assert.Equal((string?)prefText[i][field], (string?)message["content"]);
                }
                foreach (var field in new[] { "score", "label_id", "source", "pair_id" })
                    Assert.Equal(prefText[i][field]!.ToJsonString(), prefChat[i][field]!.ToJsonString());
            }
            await ExportAsync(env, P("prefs.parquet"), "preferences", "--run", run, "--parquet");
            AssertSameRows(prefText, [.. (await ReadParquetAsync<PreferenceTextRow>(P("prefs.parquet"))).Select(Node)]);
            await ExportAsync(env, P("prefs-chat.parquet"), "preferences", "--run", run, "--format", "conversational", "--parquet");
            AssertSameRows(prefChat, [.. (await ReadParquetAsync<PreferenceConversationalRow>(P("prefs-chat.parquet"))).Select(Node)]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
