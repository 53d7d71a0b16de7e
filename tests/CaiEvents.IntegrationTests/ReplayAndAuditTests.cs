using System.Security.Cryptography;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore.Integrity;
using CaiEvents.Hosting;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Replay, point-in-time exports and tamper evidence, through the CLI as a user runs them, on a run that two
/// competing worker hosts produced over RabbitMQ with the zero-cost <c>builtin:echo</c> model (SL stage and pairs).
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class ReplayAndAuditTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(90);

    /// <summary>A completed run with SL samples and labelled comparisons; the worker hosts are stopped before it returns.</summary>
    private static async Task<Guid> ProduceRunAsync(TestServices services, int prompts)
    {
        using var workerA = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq);
        using var workerB = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq);
        var sampling = new SamplingParameters(MaxNewTokens: 8);
        var feedback = new FeedbackConfiguration("builtin:echo", sampling, "builtin:echo", PrinciplesPerLabel: 2, LabelMode.Soft, 0.4, 0.6, sampling, FeedbackPrompt.TemplateVersion);
        var request = Harness.Request(Harness.Prompts(prompts), revisions: 1) with
        {
            GeneratorModel = "builtin:echo", CriticModel = "builtin:echo", ReviserModel = "builtin:echo", Feedback = feedback,
        };
        var runId = await Harness.SubmitAsync(workerA, request);
        var run = await Harness.WaitAsync(workerA, runId);
        Assert.Equal(2 * prompts, run.Finalized);
        await Harness.DrainAsync(services);
        await workerA.StopAsync();
        await workerB.StopAsync();
        return runId;
    }

    private static async Task<List<(long Sequence, Guid StreamId, long Version, string Type)>> EventsAsync(TestServices services, string? type = null)
    {
        await using var connection = new NpgsqlConnection(services.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select seq_id, stream_id, version, type from {services.Schema}.mt_events" + (type is null ? "" : " where type = @type") + " order by seq_id", connection);
        if (type is not null) command.Parameters.AddWithValue("type", type);
        var rows = new List<(long, Guid, long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3)));
        return rows;
    }

    private static async Task ExecuteAsync(TestServices services, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(services.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", services.Schema), connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ExportAsync(IDictionary<string, string> env, string kind, string runId, string path, long? asOf = null)
    {
        string[] args = ["export", kind, "--run", runId, "--out", path];
        if (asOf is { } s) args = [.. args, "--as-of", s.ToString()];
        var result = await CliProcess.RunAsync(env, Quick, args);
        Assert.True(result.ExitCode == 0, $"export {kind}: {result.Stderr}");
        return Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
    }

    private static string IdOf(string line, string field) => JsonDocument.Parse(line).RootElement.GetProperty(field).GetString()!;

    [Fact]
    public async Task Export_replay_export_is_byte_identical_and_as_of_exports_differ_by_exactly_the_later_events()
    {
        await using var services = await TestServices.StartAsync();
        var runId = await ProduceRunAsync(services, prompts: 6);
        var run = runId.ToString();
        var env = services.ProcessEnvironment();
        var dir = Directory.CreateTempSubdirectory("cai-replay-");
        try
        {
            string Path(string name) => System.IO.Path.Combine(dir.FullName, name);
            var sl = await ExportAsync(env, "sl", run, Path("sl.jsonl"));
            var prefs = await ExportAsync(env, "preferences", run, Path("prefs.jsonl"));
            var slLines = await File.ReadAllLinesAsync(Path("sl.jsonl"));
            var prefLines = await File.ReadAllLinesAsync(Path("prefs.jsonl"));
            Assert.Equal(6, slLines.Length);
            Assert.Equal(6, prefLines.Length);

            // Exports read the read models: without them the dataset is empty, and a replay brings it back byte for byte.
            foreach (var replay in new[] { new[] { "replay" }, ["replay", "--run", run] })
            {
                await ExecuteAsync(services, "delete from {schema}.mt_doc_samplestate; delete from {schema}.mt_doc_comparisonstate");
                await ExportAsync(env, "sl", run, Path("gone.jsonl"));
                Assert.Equal(0, new FileInfo(Path("gone.jsonl")).Length);
                var result = await CliProcess.RunAsync(env, Quick, replay);
                Assert.True(result.ExitCode == 0, $"{string.Join(' ', replay)}: {result.Stderr}");
                Assert.Equal(sl, await ExportAsync(env, "sl", run, Path("sl-replayed.jsonl")));
                Assert.Equal(prefs, await ExportAsync(env, "preferences", run, Path("prefs-replayed.jsonl")));
            }

            // As of the last event, the point-in-time export (folded from events) is the latest export (read models).
            var all = await EventsAsync(services);
            var last = all[^1].Sequence;
            Assert.Equal(sl, await ExportAsync(env, "sl", run, Path("sl-last.jsonl"), last));
            Assert.Equal(prefs, await ExportAsync(env, "preferences", run, Path("prefs-last.jsonl"), last));

            // As of the middle finalisation, exactly the samples finalised (and pairs labelled) up to then are present.
            var finalized = await EventsAsync(services, "sl_example_finalized");
            var labelled = await EventsAsync(services, "preference_labelled");
            var cut = finalized[finalized.Count / 2].Sequence;
            await ExportAsync(env, "sl", run, Path("sl-asof.jsonl"), cut);
            await ExportAsync(env, "preferences", run, Path("prefs-asof.jsonl"), cut);
            var slDone = finalized.Where(e => e.Sequence <= cut).Select(e => e.StreamId.ToString()).ToHashSet();
            var pairsDone = labelled.Where(e => e.Sequence <= cut).Select(e => e.StreamId.ToString()).ToHashSet();
            Assert.InRange(slDone.Count, 1, 5);
            Assert.Equal(slLines.Where(l => slDone.Contains(IdOf(l, "sample_id"))), await File.ReadAllLinesAsync(Path("sl-asof.jsonl")));
            Assert.Equal(prefLines.Where(l => pairsDone.Contains(IdOf(l, "pair_id"))), await File.ReadAllLinesAsync(Path("prefs-asof.jsonl")));

            // Beyond the end of the store: one line, exit 2, nothing written.
            var beyond = await CliProcess.RunAsync(env, Quick, "export", "sl", "--run", run, "--out", Path("beyond.jsonl"), "--as-of", (last + 1).ToString());
            Assert.Equal(2, beyond.ExitCode);
            var error = Assert.Single(beyond.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"--as-of {last + 1} is beyond the end of the event store (its last event is sequence {last})", error);
            Assert.False(File.Exists(Path("beyond.jsonl")));
            Assert.Empty(Directory.GetFiles(dir.FullName, "beyond.jsonl*"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Replay_is_refused_while_a_worker_is_connected_to_a_command_queue_and_force_rebuilds_anyway()
    {
        await using var services = await TestServices.StartAsync();
        var run = (await ProduceRunAsync(services, prompts: 3)).ToString();
        var env = services.ProcessEnvironment();
        var dir = Directory.CreateTempSubdirectory("cai-replay-refused-");
        try
        {
            string Path(string name) => System.IO.Path.Combine(dir.FullName, name);
            var sl = await ExportAsync(env, "sl", run, Path("sl.jsonl"));
            await ExecuteAsync(services, "delete from {schema}.mt_doc_samplestate");

            using (var worker = await Harness.StartHostAsync(services, [WorkerRoles.Critic], TransportKind.RabbitMq))
            {
                // The broker lists a consumer a moment after the host has started.
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (!(await services.ConsumerQueuesAsync()).Contains(CommandQueues.Critique) && DateTime.UtcNow < deadline) await Task.Delay(200);
                var refused = await CliProcess.RunAsync(env, Quick, "replay");
                Assert.True(refused.ExitCode == 1, refused.Stderr);
                var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.StartsWith("error: ", line);
                Assert.Contains("cai-critique (1)", line);
                Assert.Contains(services.VirtualHost, line);
                Assert.Contains("--force", line);
                // Nothing was rebuilt: the export still finds no samples.
                await ExportAsync(env, "sl", run, Path("still-gone.jsonl"));
                Assert.Equal(0, new FileInfo(Path("still-gone.jsonl")).Length);
                Assert.Equal(1, (await CliProcess.RunAsync(env, Quick, "replay", "--run", run)).ExitCode);
                // A run that does not exist is named as such first (bad input before the state check).
                var unknown = await CliProcess.RunAsync(env, Quick, "replay", "--run", "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
                Assert.True(unknown.ExitCode == 2, unknown.Stderr);
                Assert.Contains("run 3f2504e0-4f89-11d3-9a0c-0305e82c3301 does not exist", unknown.Stderr);

                var forced = await CliProcess.RunAsync(env, Quick, "replay", "--force");
                Assert.True(forced.ExitCode == 0, forced.Stderr);
                Assert.Equal(sl, await ExportAsync(env, "sl", run, Path("forced.jsonl")));
                await worker.StopAsync();
            }

            // Once the worker has disconnected, a plain replay runs.
            await ExecuteAsync(services, "delete from {schema}.mt_doc_samplestate");
            var replay = await CliProcess.RunAsync(env, Quick, "replay");
            Assert.True(replay.ExitCode == 0, replay.Stderr);
            Assert.Equal(sl, await ExportAsync(env, "sl", run, Path("replayed.jsonl")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Audit_verify_names_events_edited_deleted_or_reordered_directly_in_PostgreSQL()
    {
        await using var services = await TestServices.StartAsync();
        var runId = await ProduceRunAsync(services, prompts: 4);
        var run = runId.ToString();
        var env = services.ProcessEnvironment();

        // Written by two competing worker hosts: every chain is intact, for the run and for the whole store.
        var clean = await CliProcess.RunAsync(env, Quick, "audit", "verify", "--run", run);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);
        var root = System.Text.RegularExpressions.Regex.Match(clean.Stdout, "root ([0-9a-f]{64})").Groups[1].Value;
        Assert.Equal(64, root.Length);
        var whole = await CliProcess.RunAsync(env, Quick, "audit", "verify");
        Assert.True(whole.ExitCode == 0, whole.Stdout + whole.Stderr);

        var finalized = await EventsAsync(services, "sl_example_finalized");
        var responses = await EventsAsync(services, "response_generated");
        var all = await EventsAsync(services);

        // 1. A head event rewritten with a recomputed hash: the chain cannot see it, the recorded root does.
        var head = finalized[0];
        await using (var connection = new NpgsqlConnection(services.ConnectionString))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand($"update {services.Schema}.mt_events set data = jsonb_set(data, '{{Completion}}', '\"rewritten\"') where seq_id = @s", connection);
            update.Parameters.AddWithValue("s", head.Sequence);
            await update.ExecuteNonQueryAsync();
            await using var read = new NpgsqlCommand($"select data::text from {services.Schema}.mt_events where seq_id = @s", connection);
            read.Parameters.AddWithValue("s", head.Sequence);
            var data = (string)(await read.ExecuteScalarAsync())!;
            await using var previous = new NpgsqlCommand($"select headers->>'cai_hash' from {services.Schema}.mt_events where stream_id = @id and version = @v", connection);
            previous.Parameters.AddWithValue("id", head.StreamId);
            previous.Parameters.AddWithValue("v", head.Version - 1);
            var rehash = EventChain.Hash((string)(await previous.ExecuteScalarAsync())!, head.StreamId, head.Version, head.Sequence, head.Type, data);
            await using var forge = new NpgsqlCommand($"update {services.Schema}.mt_events set headers = jsonb_set(headers, '{{cai_hash}}', to_jsonb(@h::text)) where seq_id = @s", connection);
            forge.Parameters.AddWithValue("h", rehash);
            forge.Parameters.AddWithValue("s", head.Sequence);
            await forge.ExecuteNonQueryAsync();
        }
        var forged = await CliProcess.RunAsync(env, Quick, "audit", "verify", "--run", run);
        Assert.True(forged.ExitCode == 0, forged.Stdout + forged.Stderr);
        var rooted = await CliProcess.RunAsync(env, Quick, "audit", "verify", "--run", run, "--expect-root", root);
        Assert.Equal(1, rooted.ExitCode);
        Assert.Contains($"differs from the expected {root}", rooted.Stderr);

        // 2. An UPDATE of a finalised example's completion.
        var edited = finalized[1];
        await ExecuteAsync(services, "update {schema}.mt_events set data = jsonb_set(data, '{Completion}', '\"edited after the fact\"') where seq_id = @s", ("s", edited.Sequence));
        // 3. A DELETE of a sample's initial response (the middle of its stream).
        var deleted = responses.First(r => r.StreamId != edited.StreamId && r.StreamId != head.StreamId);
        await ExecuteAsync(services, "delete from {schema}.mt_events where seq_id = @s", ("s", deleted.Sequence));
        // 4. Two events of a third sample swapped in the global order (their sequence numbers exchanged).
        var third = all.Where(e => e.Type == "critique_produced" && e.StreamId != edited.StreamId && e.StreamId != deleted.StreamId && e.StreamId != head.StreamId).First();
        var next = all.Single(e => e.StreamId == third.StreamId && e.Version == third.Version + 1);
        await ExecuteAsync(services, """
            update {schema}.mt_events set seq_id = -1 where seq_id = @a;
            update {schema}.mt_events set seq_id = @a where seq_id = @b;
            update {schema}.mt_events set seq_id = @b where seq_id = -1;
            """, ("a", third.Sequence), ("b", next.Sequence));

        var result = await CliProcess.RunAsync(env, Quick, "audit", "verify", "--run", run);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"EDITED stream {edited.StreamId} version {edited.Version} seq {edited.Sequence} (sl_example_finalized)", result.Stdout);
        Assert.Contains($"MISSING stream {deleted.StreamId} version {deleted.Version}", result.Stdout);
        Assert.Contains($"REORDERED stream {third.StreamId} version {next.Version} seq {third.Sequence}", result.Stdout);
        Assert.DoesNotContain($"stream {head.StreamId}", result.Stdout);
        Assert.StartsWith("error: audit verify failed: ", result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The whole-store verification finds the same events.
        var wholeAfter = await CliProcess.RunAsync(env, Quick, "audit", "verify", "--json");
        Assert.Equal(1, wholeAfter.ExitCode);
        var problems = JsonDocument.Parse(wholeAfter.Stdout).RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => (Kind: p.GetProperty("kind").GetString(), Stream: p.GetProperty("stream_id").GetGuid())).ToList();
        Assert.Contains(("edited", edited.StreamId), problems);
        Assert.Contains(("missing", deleted.StreamId), problems);
        Assert.Contains(("reordered", third.StreamId), problems);
    }

    [Fact]
    public async Task Canonical_form_survives_PostgreSQL_jsonb_reformatting()
    {
        await using var services = await TestServices.StartAsync();
        var json = JsonSerializer.Serialize(new
        {
            Zeta = 1e-5, Alpha = 0.1, Big = long.MaxValue, Huge = 1.5e300, Negative = -2.50, Whole = 3.0, Text = "é \"quoted\" \u2028 \\ line\nbreak", Nested = new { B = 1, A = new[] { 0.00001, 1e21 } },
        });
        await ExecuteAsync(services, "create schema if not exists {schema}; create table {schema}.canon (doc jsonb)");
        await ExecuteAsync(services, "insert into {schema}.canon values (@d::jsonb)", ("d", json));
        await using var connection = new NpgsqlConnection(services.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand($"select doc::text from {services.Schema}.canon", connection);
        var stored = (string)(await read.ExecuteScalarAsync())!;
        Assert.NotEqual(json, stored); // jsonb did reformat it
        Assert.Equal(CanonicalJson.Canonicalize(json), CanonicalJson.Canonicalize(stored));
        Assert.Equal(EventChain.Hash(EventChain.Genesis, Guid.Empty, 1, 1, "t", json), EventChain.Hash(EventChain.Genesis, Guid.Empty, 1, 1, "t", stored));
        // A changed digit is a different form.
        Assert.NotEqual(CanonicalJson.Canonicalize(json), CanonicalJson.Canonicalize(json.Replace("0.1", "0.2")));
    }
}
