using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using CaiEvents.Models;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// The bad-input table (issue #8, item 3): each row runs the built CLI as a process against this test's schema and
/// virtual host and checks the same contract: the documented exit code (2 bad input, 1 infrastructure failure),
/// exactly one line on stderr that starts with "error: " and names the input and what is wrong, no stack trace,
/// no password in the output, nothing on stdout, no event or stream added to the event store and no new file.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class BadInputTests
{
    private const int BadInput = 2, Failure = 1;
    private const string GoodPrompt = "{\"prompt\": \"Is it fine to borrow a neighbour's ladder without asking?\"}\n";

    /// <summary>
    /// One row: files to create in a temporary folder, environment overrides, the CLI arguments ({dir} = the folder).
    /// <c>WithRun</c>: a run is submitted first (`cai submit`, no worker), so {run} and {last} (its store's last event
    /// sequence) can be used; the store must then hold exactly what it held after that submission.
    /// </summary>
    private sealed record Row(int Exit, string Expected, string[] Args, Action<string>? Setup = null, (string Key, string Value)[]? Env = null,
        bool WithRun = false);

    private static readonly Dictionary<string, Row> Rows = new()
    {
        ["constitution-malformed-yaml"] = new(BadInput, "mine.yaml:3: invalid YAML",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--constitution", "{dir}/mine.yaml", "--model", "builtin:echo"],
            d => File.WriteAllText(Path.Combine(d, "mine.yaml"), "id: mine\nversion: 1\n  description: [oops\n")),
        ["constitution-empty-principle-list"] = new(BadInput, "mine.yaml:4: critique_revision: the list is empty",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--constitution", "{dir}/mine.yaml", "--model", "builtin:echo"],
            d => File.WriteAllText(Path.Combine(d, "mine.yaml"),
                "id: mine\nversion: 1\ndescription: x\ncritique_revision: []\ncomparison:\n  - id: a\n    question: b\n")),
        ["constitution-duplicate-principle-id"] = new(BadInput, "mine.yaml:8: critique_revision[1]: duplicate id 'harm' (first at line 5)",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--constitution", "{dir}/mine.yaml", "--model", "builtin:echo"],
            d => File.WriteAllText(Path.Combine(d, "mine.yaml"),
                "id: mine\nversion: 1\ndescription: x\ncritique_revision:\n  - id: harm\n    critique: c\n    revision: r\n"
                + "  - id: harm\n    critique: c2\n    revision: r2\ncomparison:\n  - id: a\n    question: b\n")),
        ["constitution-invalid-principle-id"] = new(BadInput, "mine.yaml:5: critique_revision[0].id: invalid id 'Harm Id'",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--constitution", "{dir}/mine.yaml", "--model", "builtin:echo"],
            d => File.WriteAllText(Path.Combine(d, "mine.yaml"),
                "id: mine\nversion: 1\ndescription: x\ncritique_revision:\n  - id: Harm Id\n    critique: c\n    revision: r\n"
                + "comparison:\n  - id: a\n    question: b\n")),
        ["constitution-directory-principle-without-options"] = new(BadInput, "mine/principles.json: [1]: a comparison principle must end with 'Options:'",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--constitution", "{dir}/mine", "--model", "builtin:echo"],
            d =>
            {
                Directory.CreateDirectory(Path.Combine(d, "mine"));
                File.WriteAllText(Path.Combine(d, "mine", "instructions.json"), "{\"harm\": {\"prompt\": [\"Find it.\"], \"edit_request\": \"Fix it.\"}}");
                File.WriteAllText(Path.Combine(d, "mine", "principles.json"), "[\"Which is kinder? Options:\", \"Which is safer?\"]");
            }),
        ["constitution-missing-file"] = new(BadInput, "nowhere.yaml: file not found",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--constitution", "{dir}/nowhere.yaml", "--model", "builtin:echo"]),
        ["prompts-invalid-json-line-3"] = new(BadInput, "prompts.jsonl:3: ",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            d => File.WriteAllText(Path.Combine(d, "prompts.jsonl"), GoodPrompt + GoodPrompt.Replace("ladder", "drill") + "{\"prompt\": oops}\n")),
        ["prompts-empty-prompt"] = new(BadInput, "prompts.jsonl:1: ",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            d => File.WriteAllText(Path.Combine(d, "prompts.jsonl"), "{\"prompt\": \"   \"}\n")),
        ["prompts-empty-file"] = new(BadInput, "prompts.jsonl: no prompts found",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            d => File.WriteAllText(Path.Combine(d, "prompts.jsonl"), "\n\n")),
        ["prompts-one-megabyte-prompt"] = new(BadInput, "prompts.jsonl:2: 'prompt' is 1048576 bytes of UTF-8, over the limit of 65536 bytes",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            d => File.WriteAllText(Path.Combine(d, "prompts.jsonl"), GoodPrompt + "{\"prompt\": \"" + new string('a', 1 << 20) + "\"}\n")),
        ["prompts-invalid-utf8"] = new(BadInput, "prompts.jsonl:1: invalid UTF-8 (byte 0xFF",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            d => File.WriteAllBytes(Path.Combine(d, "prompts.jsonl"), [.. "{\"prompt\": \"caf"u8, 0xFF, .. "\"}\n"u8])),
        ["prompts-missing-file"] = new(BadInput, "absent.jsonl: file not found",
            ["run", "--prompts", "{dir}/absent.jsonl", "--model", "builtin:echo"]),
        ["revisions-negative"] = new(BadInput, "--revisions: must be between 1 and",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo", "--revisions", "-1"]),
        ["transport-unknown"] = new(BadInput, "--transport: 'carrier-pigeon' is not one of",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo", "--transport", "carrier-pigeon"]),
        ["model-unknown-id"] = new(BadInput, "model 'gpt-7' (generator): Unknown model id 'gpt-7'",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "gpt-7"]),
        ["model-directory-missing"] = new(BadInput, "/no-such-model': model directory not found",
            ["submit", "--prompts", "{dir}/prompts.jsonl", "--model", "hf:{dir}/no-such-model"]),
        ["safetensors-wrong-shape"] = new(BadInput,
            "model.safetensors', tensor 'transformer.wte.weight': shape [64, 257] does not match the config's [257, 64]",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "hf:{dir}/model"],
            d => SaveTinyModel(d, WrongShape)),
        ["safetensors-truncated"] = new(BadInput, "run past the end of the data section",
            ["submit", "--prompts", "{dir}/prompts.jsonl", "--model", "hf:{dir}/model"],
            d => SaveTinyModel(d, path => { using var f = File.OpenWrite(path); f.SetLength(f.Length - 1000); })),
        ["postgresql-unreachable"] = new(Failure, "cannot reach PostgreSQL at 127.0.0.1:1/",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            Env: [("ConnectionStrings__EventStore", "Host=127.0.0.1;Port=1;Database=caievents;Username=caievents;Password={pgpassword};Timeout=2")]),
        ["postgresql-wrong-password"] = new(Failure, "as caievents rejected the credentials (28P01",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            Env: [("ConnectionStrings__EventStore", "{connection};Password=not-the-password")]),
        ["rabbitmq-unreachable"] = new(Failure, "cannot reach RabbitMQ at amqp://",
            ["submit", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            Env: [("RabbitMq__Port", "1")]),
        ["rabbitmq-wrong-password"] = new(Failure, "rejected the credentials of user",
            ["submit", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo"],
            Env: [("RabbitMq__Password", "not-the-password")]),
        ["rabbitmq-unknown-virtual-host"] = new(Failure, "refused access to virtual host 'no-such-vhost'",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo", "--transport", "rabbitmq"],
            Env: [("RabbitMq__VirtualHost", "no-such-vhost")]),
        ["replay-broker-management-unreachable"] = new(Failure,
            "cannot check that no worker is writing: RabbitMQ management API at http://127.0.0.1:1/api/ unreachable",
            ["replay"], Env: [("RabbitMq__ManagementPort", "1")], WithRun: true),
        ["import-preferences-unusable-line"] = new(BadInput,
            "hh.jsonl:2: the final \"Assistant:\" reply in 'chosen' is empty or only whitespace "
            + "(1 unusable line(s) in the file; --skip-invalid imports the rest",
            ["import", "preferences", "--file", "{dir}/hh.jsonl", "--run", "{run}"],
            d => File.WriteAllText(Path.Combine(d, "hh.jsonl"), HhLine("a", "b") + HhLine("", "b")), WithRun: true),
        ["import-preferences-malformed-despite-skip-invalid"] = new(BadInput, "hh.jsonl:2: invalid JSON",
            ["import", "preferences", "--file", "{dir}/hh.jsonl", "--run", "{run}", "--skip-invalid"],
            d => File.WriteAllText(Path.Combine(d, "hh.jsonl"), HhLine("same", "same") + "{\"chosen\": oops}\n"), WithRun: true),
        ["import-prompts-no-human-turn"] = new(BadInput, "t.jsonl:1: 'chosen' has no \"Human:\" turn",
            ["import", "prompts", "--from-transcripts", "{dir}/t.jsonl", "--out", "{dir}/out.jsonl"],
            d => File.WriteAllText(Path.Combine(d, "t.jsonl"), "{\"chosen\": \"\\n\\nAssistant: hello\"}\n")),
        ["import-prompts-turn-unknown"] = new(BadInput, "--turn: 'middle' is not one of first, last",
            ["import", "prompts", "--from-transcripts", "{dir}/t.jsonl", "--out", "{dir}/out.jsonl", "--turn", "middle"],
            d => File.WriteAllText(Path.Combine(d, "t.jsonl"), HhLine("a", "b"))),
        ["import-prompts-out-folder-missing"] = new(BadInput, "--out: folder '",
            ["import", "prompts", "--from-transcripts", "{dir}/t.jsonl", "--out", "{dir}/no-such-folder/out.jsonl"],
            d => File.WriteAllText(Path.Combine(d, "t.jsonl"), HhLine("a", "b"))),
        ["run-id-unknown-status"] = new(BadInput, "run 3f2504e0-4f89-11d3-9a0c-0305e82c3301 does not exist",
            ["status", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"]),
        ["export-format-unknown"] = new(BadInput, "--format: 'xml' is not one of text, conversational",
            ["export", "sl", "--run", "{run}", "--out", "{dir}/sl.jsonl", "--format", "xml"], WithRun: true),
        ["run-id-unknown-export"] = new(BadInput, "run 3f2504e0-4f89-11d3-9a0c-0305e82c3301 does not exist",
            ["export", "sl", "--run", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "--out", "{dir}/sl.jsonl"]),
        ["run-id-not-a-guid"] = new(BadInput, "run 'last-tuesday' is not a valid id",
            ["wait", "last-tuesday"]),
        ["as-of-beyond-the-end"] = new(BadInput, "is beyond the end of the event store (its last event is sequence {last})",
            ["export", "sl", "--run", "{run}", "--out", "{dir}/sl.jsonl", "--as-of", "{last+1}"], WithRun: true),
        ["model-init-unknown-arch"] = new(BadInput, "--arch: 'gpt3' is not one of gpt2, llama, mistral, qwen2, qwen3",
            ["model", "init", "--arch", "gpt3", "--size", "tiny", "--out", "{dir}/m"]),
        ["model-init-unknown-chat-template"] = new(BadInput, "--chat-template: 'jinja2' is not one of llama3, chatml,",
            ["model", "init", "--arch", "llama", "--size", "tiny", "--out", "{dir}/m", "--chat-template", "jinja2"]),
        ["model-init-out-not-empty"] = new(BadInput, "is not empty (use --force to write over it)",
            ["model", "init", "--arch", "qwen2", "--size", "tiny", "--out", "{dir}"]),
        ["model-convert-input-missing"] = new(BadInput, "--in: directory '",
            ["model", "convert", "--to", "gguf", "--in", "{dir}/no-such-model", "--out", "{dir}/m.gguf"]),
        ["model-convert-config-malformed"] = new(BadInput, "config.json': invalid JSON",
            ["model", "convert", "--to", "gguf", "--in", "{dir}/hf", "--out", "{dir}/m.gguf"],
            d => { Directory.CreateDirectory(Path.Combine(d, "hf")); File.WriteAllText(Path.Combine(d, "hf", "config.json"), "{ oops"); }),
        ["model-inspect-not-gguf"] = new(BadInput, "x.gguf': not a GGUF file (magic is not 'GGUF')",
            ["model", "inspect", "gguf:{dir}/x.gguf"], d => File.WriteAllText(Path.Combine(d, "x.gguf"), "hello")),
        ["model-inspect-unrecognised-chat-template"] = new(BadInput, "Unrecognised chat template (sha256 ",
            ["model", "inspect", "hf:{dir}/hf"], d => WriteCheckpointWithTemplate(d, "{% for m in messages %}<<{{ m.content }}>>{% endfor %}")),
        ["model-compare-prompts-invalid-utf8"] = new(BadInput, "p.txt:2: invalid UTF-8 (byte 0xFF)",
            ["model", "compare", "hf:{dir}/a", "hf:{dir}/b", "--prompts", "{dir}/p.txt"],
            d => File.WriteAllBytes(Path.Combine(d, "p.txt"), [.. "fine\ncaf"u8, 0xFF, .. "\n"u8])),
        ["run-chat-template-unknown"] = new(BadInput, "--chat-template: 'jinja2' is not one of",
            ["run", "--prompts", "{dir}/prompts.jsonl", "--model", "builtin:echo", "--chat-template", "jinja2"]),
        ["demo-chat-template-unknown"] = new(BadInput, "--chat-template: 'ChatGLM' is not one of llama3, chatml, mistral, gemma, phi3, zephyr",
            ["demo", "--stages", "sl", "--model", "builtin:echo", "--chat-template", "ChatGLM"]),
        ["worker-chat-template-unknown"] = new(BadInput, "--chat-template: 'vicuna' is not one of",
            ["worker", "generator", "--chat-template", "vicuna"]),
    };

    /// <summary>One HH-RLHF line whose final replies are <paramref name="chosen"/> and <paramref name="rejected"/>.</summary>
    private static string HhLine(string chosen, string rejected) =>
        $"{{\"chosen\": \"\\n\\nHuman: May I borrow your ladder?\\n\\nAssistant: {chosen}\", "
        + $"\"rejected\": \"\\n\\nHuman: May I borrow your ladder?\\n\\nAssistant: {rejected}\"}}\n";

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Bad_input_gives_one_clear_line_its_exit_code_and_writes_nothing(string name)
    {
        var row = Rows[name];
        await using var services = await TestServices.StartAsync();
        var dir = Directory.CreateTempSubdirectory($"cai-bad-{name}-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "prompts.jsonl"), GoodPrompt);
            row.Setup?.Invoke(dir.FullName);
            var pgPassword = new NpgsqlConnectionStringBuilder(services.ConnectionString).Password!;
            var connectionWithoutPassword = new NpgsqlConnectionStringBuilder(services.ConnectionString) { Password = null }.ConnectionString;
            var env = services.ProcessEnvironment();
            var (run, last, storeBefore) = ("", 0L, (0L, 0L));
            if (row.WithRun)
            {
                var submitted = await CliProcess.RunAsync(env, TimeSpan.FromSeconds(90),
                    "submit", "--prompts", Path.Combine(dir.FullName, "prompts.jsonl"), "--model", "builtin:echo");
                Assert.True(submitted.ExitCode == 0, $"submit: {submitted.Stderr}");
                run = submitted.Stdout.Trim();
                last = await LastSequenceAsync(services);
                storeBefore = await EventsAndStreamsAsync(services);
                Assert.True(storeBefore.Item1 > 0 && last >= storeBefore.Item1);
            }
            var filesBefore = Files(dir.FullName);
            foreach (var (key, value) in row.Env ?? [])
                env[key] = value.Replace("{pgpassword}", pgPassword).Replace("{connection}", connectionWithoutPassword);
            var args = row.Args.Select(a => a.Replace("{dir}", dir.FullName).Replace("{run}", run).Replace("{last+1}", (last + 1).ToString())).ToArray();
            var expected = row.Expected.Replace("{last}", last.ToString());

            var (exit, stdout, stderr) = await CliProcess.RunAsync(env, TimeSpan.FromSeconds(90), args);

            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"expected one error line, got:\n{stderr}");
            Assert.StartsWith("error: ", lines[0]);
            Assert.True(lines[0].Contains(expected, StringComparison.Ordinal), $"expected '{expected}' in: {lines[0]}");
            Assert.Equal(row.Exit, exit);
            Assert.DoesNotContain("   at ", stderr);
            Assert.DoesNotContain("Exception:", lines[0]);
            foreach (var secret in new[] { pgPassword, services.Rabbit.Password })
            {
                Assert.DoesNotContain(secret, stderr);
                Assert.DoesNotContain(secret, stdout);
            }
            Assert.Equal("", stdout.Trim());
            Assert.Equal(storeBefore, await EventsAndStreamsAsync(services));
            Assert.Equal(filesBefore, Files(dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_table_covers_at_least_fifteen_distinct_bad_inputs() =>
        Assert.True(Rows.Count >= 15 && Rows.Values.Select(r => r.Expected).Distinct().Count() >= 15);

    private static string[] Files(string dir) =>
        [.. Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => $"{Path.GetRelativePath(dir, f)}:{new FileInfo(f).Length}").Order()];

    /// <summary>Events and streams in the test's schema (0, 0 when the CLI never created the event store tables).</summary>
    private static async Task<(long Events, long Streams)> EventsAndStreamsAsync(TestServices services)
    {
        await using var connection = new NpgsqlConnection(services.ConnectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand($"SELECT to_regclass('{services.Schema}.mt_events') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!) return (0, 0);
        await using var count = new NpgsqlCommand(
            $"SELECT (SELECT count(*) FROM {services.Schema}.mt_events), (SELECT count(*) FROM {services.Schema}.mt_streams)", connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<long> LastSequenceAsync(TestServices services)
    {
        await using var connection = new NpgsqlConnection(services.ConnectionString);
        await connection.OpenAsync();
        await using var max = new NpgsqlCommand($"SELECT coalesce(max(seq_id), 0) FROM {services.Schema}.mt_events", connection);
        return (long)(await max.ExecuteScalarAsync())!;
    }

    /// <summary>A tiny Llama checkpoint at {dir}/hf whose tokenizer_config.json has <paramref name="template"/> as its chat template.</summary>
    private static void WriteCheckpointWithTemplate(string dir, string template)
    {
        var hf = Path.Combine(dir, "hf");
        RandomCheckpoints.Write(hf, "llama", "tiny", seed: 1);
        var configPath = Path.Combine(hf, "tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["chat_template"] = template;
        File.WriteAllText(configPath, config.ToJsonString());
    }

    /// <summary>builtin:tiny saved as a Hugging Face directory at {dir}/model, then <paramref name="damage"/> applied to its weights file.</summary>
    private static void SaveTinyModel(string dir, Action<string> damage)
    {
        var modelDir = Path.Combine(dir, "model");
        using (var model = ModelCatalog.Load(ModelCatalog.BuiltinTiny, ModelOptions.Cpu)) ModelCatalog.Save(model, modelDir);
        damage(Path.Combine(modelDir, Gpt2Checkpoint.WeightsFileName));
    }

    /// <summary>Rewrites the header so that wte.weight claims a transposed shape (same byte count, so only the shape check can catch it).</summary>
    private static void WrongShape(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength))!.AsObject();
        var entry = header["wte.weight"] ?? header["transformer.wte.weight"]
            ?? throw new InvalidOperationException("no wte.weight in " + header.ToJsonString());
        var shape = entry["shape"]!.AsArray();
        entry["shape"] = new JsonArray((long)shape[1]!, (long)shape[0]!);
        var newHeader = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (newHeader.Length + 7) / 8 * 8;
        using var output = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        output.Write(length);
        output.Write(newHeader);
        for (var i = newHeader.Length; i < padded; i++) output.WriteByte((byte)' ');
        output.Write(bytes, 8 + headerLength, bytes.Length - 8 - headerLength);
    }
}
