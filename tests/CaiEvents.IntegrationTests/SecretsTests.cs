using CaiEvents.TestSupport;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Secrets never reach the event store or the logs (issue #8, item 6): a distributed run through CLI processes with
/// the configured PostgreSQL and RabbitMQ passwords and an OpenAI-compatible API key (really sent: the loopback server
/// rejects calls without it, and fails some calls so retry and error logging run too), every log at Verbose into a
/// file, then every row of every table in the test's schema and every byte of output and logs is searched for them.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class SecretsTests
{
    [Fact]
    public async Task Passwords_and_api_keys_appear_in_no_event_table_output_or_log()
    {
        var apiKey = "sk-test-" + Guid.NewGuid().ToString("N");
        await using var server = await LoopbackOpenAiServer.StartAsync();
        server.RequiredApiKey = apiKey;
        // Two attempts per call (MaxRetries 1): the first step fails, is logged and redelivered by MassTransit. (?api=completions
        // below: the worker sends no probe requests at load.)
        server.EnqueueFault(503, count: 3, message: "overloaded, try again");
        // The faults are for the worker's generation calls (16 tokens): submit's capability probe (1 token) must not use them up.
        server.FaultsApplyTo = body => body["max_tokens"]?.GetValue<int>() == 16;
        await using var services = await TestServices.StartAsync();
        var dir = Directory.CreateTempSubdirectory("cai-secrets-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, 3).Select(i => $"{{\"prompt\": \"Secret-free prompt {i}: may I read my flatmate's letters?\"}}"));
            var logFile = Path.Combine(dir.FullName, "worker.log");
            var env = services.ProcessEnvironment();
            env["OPENAI_API_KEY"] = apiKey;
            env["Models__Remote__MaxRetries"] = "1";
            env["Serilog__Using__0"] = "Serilog.Sinks.File";
            env["Serilog__WriteTo__0__Name"] = "File";
            env["Serilog__WriteTo__0__Args__path"] = logFile;
            env["Serilog__MinimumLevel__Default"] = "Verbose";
            foreach (var source in new[] { "Microsoft", "MassTransit", "Marten", "Npgsql" })
                env[$"Serilog__MinimumLevel__Override__{source}"] = "Debug";

            string workerOutput;
            using (var worker = CliProcess.Start(env, "worker", "generator", "critic", "reviser", "--concurrency", "1"))
            {
                var submit = await CliProcess.RunAsync(env, TimeSpan.FromSeconds(90), "submit", "--prompts", prompts, "--revisions", "1",
                    "--max-new-tokens", "16", "--model", server.ModelId() + "?api=completions");
                Assert.True(submit.ExitCode == 0, submit.Stderr);
                var runId = submit.Stdout.Trim().Split('\n')[^1].Trim();
                var wait = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(3), "wait", runId, "--timeout", "170");
                Assert.True(wait.ExitCode == 0, $"wait: {wait.Stderr}\nworker: {worker.Stderr}");
                workerOutput = string.Join('\n', submit.Stdout, submit.Stderr, wait.Stdout, wait.Stderr, worker.Stdout, worker.Stderr);
            }

            // The key was really used, and the logs really captured the run, faults included.
            Assert.True(server.RequestCount >= 3 * 3 + 3, $"{server.RequestCount} requests");
            var log = await ReadSharedAsync(logFile);
            Assert.True(log.Split('\n').Length > 20, log);
            Assert.Contains("503", log);

            var stored = await DumpSchemaAsync(services);
            Assert.True(stored.Rows > 3 * 5, $"only {stored.Rows} rows in the schema");
            // The search target really holds the event data: a prompt, and the model endpoint recorded in provenance.
            Assert.Contains("Secret-free prompt 2", stored.Text);
            Assert.Contains(server.BaseUrl, stored.Text);
            var secrets = new Dictionary<string, string>
            {
                ["PostgreSQL password"] = new NpgsqlConnectionStringBuilder(services.ConnectionString).Password!,
                ["RabbitMQ password"] = services.Rabbit.Password,
                ["API key"] = apiKey,
            };
            foreach (var (what, secret) in secrets)
            {
                Assert.True(secret.Length >= 8, $"{what} is too short to search for");
                Assert.False(stored.Text.Contains(secret, StringComparison.Ordinal), $"{what} found in the event store");
                Assert.False(log.Contains(secret, StringComparison.Ordinal), $"{what} found in the log file");
                Assert.False(workerOutput.Contains(secret, StringComparison.Ordinal), $"{what} found in process output");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Every row of every table in the test's schema (events with data and headers, streams, snapshots) as text.</summary>
    private static async Task<(long Rows, string Text)> DumpSchemaAsync(TestServices services)
    {
        await using var connection = new NpgsqlConnection(services.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = @s AND table_type = 'BASE TABLE'", connection))
        {
            list.Parameters.AddWithValue("s", services.Schema);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        Assert.Contains("mt_events", tables);
        var text = new System.Text.StringBuilder();
        long rows = 0;
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"SELECT t::text FROM {services.Schema}.\"{table}\" t", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
                text.AppendLine(reader.GetString(0));
            }
        }
        return (rows, text.ToString());
    }
}
