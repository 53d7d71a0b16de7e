using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using Marten;
using Npgsql;
using Xunit.Abstractions;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// A run over a three-node RabbitMQ cluster (<c>services.sh up --rabbitmq-nodes 3</c>, private to this test) with worker
/// processes that know all three nodes (<c>RabbitMq:Hosts</c>, hence quorum queues). Mid-run the node that leads most
/// queues is killed with SIGKILL; the quorum queues elect leaders on the survivors, the workers reconnect to them, and
/// the run must still complete with exactly one final SL example per prompt and one label per comparison, no step
/// recorded twice, and a hash chain that `cai audit verify --run` accepts. The combined test also has a synchronous PostgreSQL
/// standby (<c>--postgres-standby</c>): after the node kill, the primary is killed with SIGKILL later in the same run and the
/// standby promoted, and the same checks hold. Run alone with <c>--filter FullyQualifiedName~Cluster</c>.
/// </summary>
[Collection(nameof(FaultCollection))]
[Trait("Category", "Faults")]
public class RabbitMqClusterFaultTests(ITestOutputHelper output)
{
    private const int Nodes = 3;
    private const int Prompts = 40;
    /// <summary>RunStarted + RunCompleted, 5 events per sample (prompt, response, critique, revision, final), 3 per comparison.</summary>
    private const int ExpectedEvents = 2 + Prompts * 5 + Prompts * 3;
    /// <summary>What submission writes (RunStarted, one PromptSubmitted and one ComparisonSubmitted per prompt).</summary>
    private const int SubmittedEvents = 1 + Prompts * 2;
    /// <summary>Share of the run's step events written when the node is killed: well inside the run.</summary>
    private const double KillAt = 0.25;
    private static readonly TimeSpan HardTimeout = TimeSpan.FromMinutes(8);

    /// <summary>Share of the run's step events written when, in the combined test, the PostgreSQL primary is killed.</summary>
    private const double PrimaryKillAt = 0.55;

    [Fact]
    public Task A_run_completes_exactly_once_after_the_node_leading_most_queues_is_killed() => NodeKillAsync(failover: false);

    /// <summary>Both faults of a multi-machine deployment in one run: the broker node first, then the database's primary.</summary>
    [Fact]
    public Task A_run_completes_exactly_once_after_a_node_kill_and_then_a_PostgreSQL_failover() => NodeKillAsync(failover: true);

    private async Task NodeKillAsync(bool failover)
    {
        var clock = Stopwatch.StartNew();
        void Log(string line) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {line}");
        using var deadline = new CancellationTokenSource(HardTimeout);
        var ct = deadline.Token;
        var dir = Directory.CreateTempSubdirectory("cai-cluster-");
        var workers = new List<CliProcess>();
        CliProcess? wait = null;
        PrivateServices? services = null;
        try
        {
            services = await PrivateServices.StartAsync(ct, rabbitmqNodes: Nodes, postgresStandby: failover);
            var env = services.ProcessEnvironment.ToDictionary();
            Assert.Equal(Nodes, env.Keys.Count(k => k.StartsWith("RabbitMq__Hosts__", StringComparison.Ordinal)));
            Log($"private services up in {services.StateDir}: PostgreSQL and a {Nodes}-node RabbitMQ cluster");

            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, Prompts)
                .Select(i => $"{{\"prompt\": \"Cluster prompt {i}: how do I apologise to a friend?\", \"id\": \"c-{i:000}\"}}"), ct);
            // The echo model's latency keeps steps in flight while the node dies.
            var submit = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(2), "submit", "--prompts", prompts, "--revisions", "1",
                "--max-new-tokens", "8", "--model", "builtin:echo?latency-ms=500", "--pairs", "--principles", "1", "--seed", "19");
            Assert.True(submit.ExitCode == 0, $"submit failed: {submit.Stderr}");
            var runId = Guid.Parse(submit.Stdout.Trim().Split('\n')[^1].Trim());
            Log($"submitted run {runId}");
            wait = CliProcess.Start(env, "wait", runId.ToString(), "--timeout", ((int)HardTimeout.TotalSeconds).ToString());
            for (var i = 0; i < 2; i++)
                workers.Add(CliProcess.Start(env, "worker", WorkerRoles.Generator, WorkerRoles.Critic, WorkerRoles.Reviser, WorkerRoles.Labeller,
                    "--concurrency", "2"));

            using var management = ManagementClient(services, env, node: 1);
            var types = await QueueTypesAsync(management, ct);
            Log("queues: " + string.Join(", ", types.Select(q => $"{q.Key} ({q.Value})")));
            var commandQueues = types.Where(q => !q.Key.EndsWith("_error", StringComparison.Ordinal) && !q.Key.EndsWith("_skipped", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(commandQueues);
            Assert.All(commandQueues, q => Assert.True(q.Value == "quorum", $"queue {q.Key} is {q.Value}, not quorum"));

            var progress = 0.0;
            while (progress < KillAt)
            {
                Assert.False(wait.HasExited, $"the run ended before the node kill: {wait.Stdout}{wait.Stderr}");
                Assert.True(workers.All(w => !w.HasExited), $"a worker exited before the node kill: {string.Join("\n", workers.Select(w => w.Stderr))}");
                await Task.Delay(200, ct);
                progress = await ProgressAsync(services.ConnectionString, ct);
            }
            var leaders = await LeadersAsync(management, ct);
            var victim = leaders.OrderByDescending(l => l.Value).First().Key;
            Log("quorum queue leaders per node: " + string.Join(", ", leaders.Select(l => $"{l.Key} {l.Value}")));
            services.KillRabbitMqNode(victim);
            Log($"kill -9 {victim} at {progress:P0} of the run's step events");

            // The queues must now be led by the survivors, and the run must go on there.
            var survivor = victim == "cai@localhost" ? 2 : 1;
            using var survivorManagement = ManagementClient(services, env, survivor);
            var after = await LeadersAsync(survivorManagement, ct);
            Log("leaders after the kill: " + string.Join(", ", after.Select(l => $"{l.Key} {l.Value}")));

            if (failover)
            {
                while (progress < PrimaryKillAt)
                {
                    Assert.False(wait.HasExited, $"the run ended before the primary was killed: {wait.Stdout}{wait.Stderr}");
                    await Task.Delay(200, ct);
                    progress = await ProgressAsync(services.ConnectionString, ct);
                }
                await services.KillPostgresPrimaryAsync(ct);
                Log($"kill -9 of the PostgreSQL primary at {progress:P0} of the run's step events");
                await Task.Delay(TimeSpan.FromSeconds(3), ct); // no primary at all for a while: steps fail and are retried
                await services.PromotePostgresStandbyAsync(ct);
                Log("standby promoted");
            }

            var waitExit = await wait.WaitForExitAsync(HardTimeout - clock.Elapsed);
            Log($"cai wait exited {waitExit}: {wait.Stdout.Trim()}");
            Assert.True(waitExit == 0, $"cai wait exited {waitExit}: {wait.Stderr}\n{WorkerTails(workers)}");
            Assert.True(workers.All(w => !w.HasExited), $"a worker exited after the node kill:\n{WorkerTails(workers)}");
            Assert.DoesNotContain(victim, (await LeadersAsync(survivorManagement, ct)).Keys);

            await AssertExactlyOnceAsync(services.ConnectionString, runId);
            var audit = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(1), "audit", "verify", "--run", runId.ToString());
            Assert.True(audit.ExitCode == 0, $"cai audit verify --run exited {audit.ExitCode}: {audit.Stdout}{audit.Stderr}");
            Log($"passed: {Prompts} prompts over {Nodes} nodes, {victim} killed{(failover ? ", then the primary" : "")}; audit: {audit.Stdout.Trim().Split('\n')[^1]}; "
                + $"{clock.Elapsed.TotalSeconds:0}s in all");
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
            wait?.Dispose();
            if (services is not null) await services.DisposeAsync();
            dir.Delete(recursive: true);
        }
    }

    private static HttpClient ManagementClient(PrivateServices services, IReadOnlyDictionary<string, string> env, int node)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{services.RabbitMqManagementPort(node)}/api/"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{env["RabbitMq__Username"]}:{env["RabbitMq__Password"]}")));
        return client;
    }

    /// <summary>Queue name → type ("quorum", "classic") in the default virtual host, once the workers have declared their queues.</summary>
    private static async Task<Dictionary<string, string>> QueueTypesAsync(HttpClient management, CancellationToken ct)
    {
        while (true)
        {
            var queues = await QueuesAsync(management, ct);
            // Two worker processes with four roles each: every command queue has its consumers.
            if (queues.Count(q => q.Consumers > 0) >= 4) return queues.ToDictionary(q => q.Name, q => q.Type);
            await Task.Delay(500, ct);
        }
    }

    /// <summary>How many quorum queues each node leads.</summary>
    private static async Task<Dictionary<string, int>> LeadersAsync(HttpClient management, CancellationToken ct) =>
        (await QueuesAsync(management, ct)).Where(q => q.Type == "quorum" && q.Leader is not null)
            .GroupBy(q => q.Leader!).ToDictionary(g => g.Key, g => g.Count());

    private sealed record QueueInfo(string Name, string Type, string? Leader, int Consumers);

    private static async Task<List<QueueInfo>> QueuesAsync(HttpClient management, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await management.GetStringAsync("queues/%2F?columns=name,type,leader,node,consumers", ct));
        return doc.RootElement.EnumerateArray().Select(q => new QueueInfo(
            q.GetProperty("name").GetString()!,
            q.TryGetProperty("type", out var type) ? type.GetString()! : "classic",
            q.TryGetProperty("leader", out var leader) ? leader.GetString() : q.TryGetProperty("node", out var node) ? node.GetString() : null,
            q.TryGetProperty("consumers", out var consumers) && consumers.ValueKind == JsonValueKind.Number ? consumers.GetInt32() : 0)).ToList();
    }

    /// <summary>Step events written so far as a share of the run's total.</summary>
    private static async Task<double> ProgressAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM cai.mt_events", connection);
        return ((long)(await count.ExecuteScalarAsync(ct))! - SubmittedEvents) / (double)(ExpectedEvents - SubmittedEvents);
    }

    /// <summary>Exactly what an undisturbed run writes: each sample's five events and each comparison's three, once each.</summary>
    private static async Task AssertExactlyOnceAsync(string connectionString, Guid runId)
    {
        await using var store = EventStoreSetup.CreateStore(new EventStoreOptions { ConnectionString = connectionString, Schema = "cai" });
        await using var session = store.QuerySession();
        Assert.Equal([runId], await session.Query<RunState>().Select(r => r.Id).ToListAsync());
        var run = (await RunQueries.LoadRunAsync(session, runId, default))!;
        Assert.True(run.Completed);
        Assert.Equal(2 * Prompts, run.Finalized);
        Assert.Equal(0, run.Failed);

        var events = (await session.Events.QueryAllRawEvents().ToListAsync()).Where(e => !MartenTombstones.IsTombstone(e)).ToList();
        var byStream = events.GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Version).Select(e => e.Data.GetType()).ToList());
        var samples = await RunQueries.SamplesAsync(session, runId, default);
        var comparisons = await RunQueries.ComparisonsAsync(session, runId, default);
        Assert.Equal(Prompts, samples.Count);
        Assert.Equal(Prompts, comparisons.Count);
        Assert.Equal(Prompts, samples.Select(s => s.PromptId).Distinct().Count());
        Assert.Equal([typeof(RunStarted), typeof(RunCompleted)], byStream[runId]);
        Assert.All(samples, sample => Assert.Equal(
            [typeof(PromptSubmitted), typeof(ResponseGenerated), typeof(CritiqueProduced), typeof(RevisionProduced), typeof(SlExampleFinalized)],
            byStream[sample.Id]));
        Assert.All(comparisons, comparison => Assert.Equal(
            [typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled)], byStream[comparison.Id]));
        Assert.Equal(1 + 2 * Prompts, byStream.Count);
        Assert.Equal(ExpectedEvents, events.Count);
    }

    private static string WorkerTails(IEnumerable<CliProcess> workers) =>
        string.Join('\n', workers.Select((w, i) => $"worker {i} stderr (tail): {(w.Stderr.Length > 1500 ? w.Stderr[^1500..] : w.Stderr)}"));
}
