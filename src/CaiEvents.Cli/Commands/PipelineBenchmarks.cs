using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Prompts;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Workers;
using CaiEvents.Models.Synthetic;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Submission;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CaiEvents.Cli.Commands;

/// <summary>
/// <c>cai bench scaling</c>, <c>cai bench pipeline</c> and <c>cai bench replay</c>: the SL chain over the real RabbitMQ and PostgreSQL with
/// <see cref="EchoModel"/>, so that what is measured is the pipeline (broker, event store, workers), not model compute.
/// Each invocation works in its own event-store schema and RabbitMQ virtual host, removed at the end.
/// </summary>
public static class PipelineBenchmarks
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Scaling()
    {
        var prompts = new Option<int>("--prompts") { Description = "Prompts per timed run", DefaultValueFactory = _ => 96 };
        var revisions = new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 };
        var latency = new Option<int>("--latency-ms") { Description = "The Critic model's latency per call (builtin:echo?latency-ms=N)", DefaultValueFactory = _ => 50 };
        var workers = new Option<string>("--workers") { Description = "Critic worker process counts to measure, comma-separated", DefaultValueFactory = _ => "1,2,4,8" };
        var hostConcurrency = new Option<int>("--host-concurrency") { Description = "Concurrency (and prefetch) of the Generator and the Reviser in this process (zero-cost model, so ample: they must not be the ceiling)", DefaultValueFactory = _ => 32 };
        var warmup = new Option<int>("--warmup-per-process") { Description = "Untimed warm-up prompts per Critic process before each timed run", DefaultValueFactory = _ => 192 };
        var command = new Command("scaling",
            "Horizontal scaling: an SL run whose Critic sleeps --latency-ms per call (a remote LLM), with N `cai worker critic --concurrency 1` processes; samples/s and speed-up over one process (one JSON line).")
            { prompts, revisions, latency, workers, hostConcurrency, warmup };
        command.SetAction(async (parse, ct) =>
        {
            var counts = parse.GetValue(workers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(w => int.TryParse(w, out var n) && n is >= 1 and <= 64 ? n : throw new UsageException($"--workers: '{w}' is not a process count between 1 and 64"))
                .ToList();
            var (n, r, ms) = (Positive(parse.GetValue(prompts), "--prompts", 10_000), Positive(parse.GetValue(revisions), "--revisions", RunSubmitter.MaxRevisions), parse.GetValue(latency));
            if (ms is < 0 or > 10_000) throw new UsageException($"--latency-ms: must be between 0 and 10000, got {ms}");
            var criticModel = $"{EchoModel.ModelId}?latency-ms={ms}";

            await using var bench = await BenchEnvironment.CreateAsync(ct);
            // The Generator and the Reviser (zero-cost) run in this process with room to spare; only the Critic is scaled.
            var hc = Positive(parse.GetValue(hostConcurrency), "--host-concurrency", 256);
            var warmupPrompts = Positive(parse.GetValue(warmup), "--warmup-per-process", 1_000);
            using var host = await bench.StartHostAsync([WorkerRoles.Generator, WorkerRoles.Reviser], concurrency: hc, ct);
            var results = new List<ScalingPoint>();
            foreach (var k in counts)
            {
                var children = new List<WorkerProcess>();
                try
                {
                    for (var i = 0; i < k; i++) children.Add(WorkerProcess.Start(bench, "critic", 1));
                    foreach (var child in children) await child.WaitUntilListeningAsync(TimeSpan.FromMinutes(2), ct);
                    // Warm-up: every process connects, loads its model and opens its database connections, and runs enough
                    // steps for .NET's tiered JIT to have recompiled its hot paths at full optimisation (a method is
                    // recompiled after 30 calls, in a background thread that competes with the workers for the cores),
                    // so the timed run measures workers in their steady state, as a long-running worker is.
                    await RunAsync(host, Request(warmupPrompts * k, r, criticModel), ct);
                    var run = await RunAsync(host, Request(n, r, criticModel), ct);
                    var seconds = (run.CompletedAt!.Value - run.StartedAt).TotalSeconds;
                    var steady = SteadyRate(await bench.EventTimesAsync(run.Id, "critique_produced", ct));
                    var point = new ScalingPoint(k, seconds, n / seconds, n * r / seconds, k * 1000.0 / Math.Max(ms, 1), steady, 0, 0);
                    results.Add(point);
                    Console.Error.WriteLine($"{k} critic process(es): {n} samples in {seconds:0.00} s = {point.SamplesPerS:0.0} samples/s, {point.CritiquesPerS:0.0} critiques/s (latency bound {point.CritiqueBoundPerS:0}); middle 80% of its critiques: {steady:0.0} critiques/s");
                    Console.Error.WriteLine($"  ms from the previous event of the sample (command sent, queued, run, committed), median / p90: {await bench.StepGapsAsync(run.Id, ct)}");
                }
                finally
                {
                    foreach (var child in children) child.Dispose();
                }
            }
            var (baseline, steadyBaseline) = (results[0].SamplesPerS, results[0].SteadyCritiquesPerS);
            var points = results.Select(p => p with
            {
                SpeedupVsFirst = Math.Round(p.SamplesPerS / baseline, 2),
                SteadySpeedupVsFirst = Math.Round(p.SteadyCritiquesPerS / steadyBaseline, 2),
            }).ToList();
            await host.StopAsync(CancellationToken.None);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "scaling",
                prompts = n,
                revisions = r,
                critic_model = criticModel,
                generator_reviser_model = EchoModel.ModelId,
                critic_concurrency_per_process = 1,
                generator_reviser_concurrency = hc,
                points = points.Select(p => new { workers = p.Workers, seconds = Math.Round(p.Seconds, 3), samples_per_s = Math.Round(p.SamplesPerS, 2), critiques_per_s = Math.Round(p.CritiquesPerS, 1), speedup_vs_first = p.SpeedupVsFirst, steady_critiques_per_s = Math.Round(p.SteadyCritiquesPerS, 1), steady_speedup_vs_first = p.SteadySpeedupVsFirst }),
                warmup_prompts_per_process = warmupPrompts,
                processors = Environment.ProcessorCount,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    public static Command Pipeline()
    {
        var prompts = new Option<int>("--prompts") { Description = "Prompts in the timed run", DefaultValueFactory = _ => 200 };
        var revisions = new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 };
        var concurrency = new Option<int>("--concurrency") { Description = "Messages each role processes at once", DefaultValueFactory = _ => 8 };
        var command = new Command("pipeline",
            "Infrastructure throughput: the full SL chain (Generator, Critic, Reviser in this process) over RabbitMQ + PostgreSQL with the zero-cost builtin:echo model; samples/s and events/s (one JSON line).")
            { prompts, revisions, concurrency };
        command.SetAction(async (parse, ct) =>
        {
            var (n, r) = (Positive(parse.GetValue(prompts), "--prompts", 100_000), Positive(parse.GetValue(revisions), "--revisions", RunSubmitter.MaxRevisions));
            var c = Positive(parse.GetValue(concurrency), "--concurrency", 256);
            await using var bench = await BenchEnvironment.CreateAsync(ct);
            using var host = await bench.StartHostAsync(WorkerRoles.SlStage, c, ct);
            await RunAsync(host, Request(Math.Min(n, 20), r, EchoModel.ModelId), ct);
            var before = await bench.CountEventsAsync(ct);
            var run = await RunAsync(host, Request(n, r, EchoModel.ModelId), ct);
            var events = await bench.CountEventsAsync(ct) - before;
            var seconds = (run.CompletedAt!.Value - run.StartedAt).TotalSeconds;
            await host.StopAsync(CancellationToken.None);
            Console.Error.WriteLine($"{n} samples, {events} events in {seconds:0.00} s: {n / seconds:0.0} samples/s, {events / seconds:0} events/s");
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "pipeline",
                prompts = n,
                revisions = r,
                model = EchoModel.ModelId,
                concurrency_per_role = c,
                seconds = Math.Round(seconds, 3),
                events,
                samples_per_s = Math.Round(n / seconds, 2),
                events_per_s = Math.Round(events / seconds, 1),
                processors = Environment.ProcessorCount,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    public static Command ReplayRate()
    {
        var prompts = new Option<int>("--prompts") { Description = "Prompts in the dataset that is rebuilt", DefaultValueFactory = _ => 200 };
        var revisions = new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 };
        var pairs = new Option<bool>("--pairs") { Description = "Also run the RL labelling stage, so the dataset holds response pairs and labels" };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed repetitions of each side (after one untimed warm-up each)", DefaultValueFactory = _ => 3 };
        var command = new Command("replay",
            "Replay rate: builds a dataset with builtin:echo, then times the whole-store rebuild `cai replay` runs against a raw `COPY (SELECT data FROM <schema>.mt_events) TO STDOUT` of the same database; events/s of each and their ratio (one JSON line).")
            { prompts, revisions, pairs, repetitions };
        command.SetAction(async (parse, ct) =>
        {
            var (n, r) = (Positive(parse.GetValue(prompts), "--prompts", 100_000), Positive(parse.GetValue(revisions), "--revisions", RunSubmitter.MaxRevisions));
            var reps = Positive(parse.GetValue(repetitions), "--repetitions", 100);
            var withPairs = parse.GetValue(pairs);
            await using var bench = await BenchEnvironment.CreateAsync(ct);
            using (var host = await bench.StartHostAsync(withPairs ? [.. WorkerRoles.SlStage, WorkerRoles.Labeller] : WorkerRoles.SlStage, 16, ct))
            {
                var request = Request(n, r, EchoModel.ModelId);
                if (withPairs)
                {
                    var sampling = request.Sampling;
                    request = request with { Feedback = new FeedbackConfiguration(EchoModel.ModelId, sampling with { Temperature = 1.0 }, EchoModel.ModelId, 2, LabelMode.Soft, 0.4, 0.6, sampling, FeedbackPrompt.TemplateVersion) };
                }
                await RunAsync(host, request, ct);
                await host.StopAsync(CancellationToken.None);
            }
            var events = await bench.CountEventsAsync(ct);
            var bytes = 0L;
            await using var store = await Cli.OpenStoreAsync(bench.Configuration, ct);
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            ReplayResult rebuilt = new(0, 0, 0);
            var replaySeconds = new List<double>();
            var copySeconds = new List<double>();
            // Interleaved, so that a change in the machine's load hits both sides alike; the first of each is a warm-up.
            for (var i = 0; i <= reps; i++)
            {
                var clock = Stopwatch.StartNew();
                rebuilt = await Replay.RebuildAllAsync(store, TimeSpan.FromMinutes(10), ct);
                if (i > 0) replaySeconds.Add(clock.Elapsed.TotalSeconds);
                clock.Restart();
                bytes = await bench.CopyEventDataAsync(ct);
                if (i > 0) copySeconds.Add(clock.Elapsed.TotalSeconds);
            }
            var (replay, copy) = (Median(replaySeconds), Median(copySeconds));
            Console.Error.WriteLine($"{events} events ({bytes} bytes of data): rebuild {replay:0.000} s = {events / replay:0} events/s, COPY {copy:0.000} s = {events / copy:0} events/s; COPY is {replay / copy:0.0}x the rebuild rate (medians of {reps})");
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "replay",
                prompts = n,
                revisions = r,
                pairs = withPairs,
                model = EchoModel.ModelId,
                events,
                data_bytes = bytes,
                rebuilt = new { runs = rebuilt.Runs, samples = rebuilt.Samples, comparisons = rebuilt.Comparisons },
                repetitions = reps,
                replay_seconds = replaySeconds.Select(s => Math.Round(s, 4)),
                copy_seconds = copySeconds.Select(s => Math.Round(s, 4)),
                replay_events_per_s = Math.Round(events / replay, 1),
                copy_events_per_s = Math.Round(events / copy, 1),
                replay_vs_copy = Math.Round(copy / replay, 4),
                copy_vs_replay = Math.Round(replay / copy, 1),
                processors = Environment.ProcessorCount,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed record ScalingPoint(int Workers, double Seconds, double SamplesPerS, double CritiquesPerS, double CritiqueBoundPerS,
        double SteadyCritiquesPerS, double SpeedupVsFirst, double SteadySpeedupVsFirst);

    /// <summary>
    /// Events per second between the 10th and the 90th percentile of their commit times: the rate while every worker
    /// has work, without the start of a run (the first critiques wait for the first responses) and its end (the last
    /// samples' rounds run one after another). Those two phases last about as long whatever the number of workers, so
    /// they weigh more in the shorter runs of many workers.
    /// </summary>
    public static double SteadyRate(IReadOnlyList<DateTimeOffset> times)
    {
        if (times.Count < 3) throw new ArgumentException("the steady rate needs at least 3 events", nameof(times));
        var sorted = times.Order().ToList();
        var first = (int)Math.Floor(0.1 * (sorted.Count - 1));
        var last = (int)Math.Ceiling(0.9 * (sorted.Count - 1));
        var seconds = (sorted[last] - sorted[first]).TotalSeconds;
        return seconds > 0 ? (last - first) / seconds : double.PositiveInfinity;
    }

    private static int Positive(int value, string option, int max) =>
        value >= 1 && value <= max ? value : throw new UsageException($"{option}: must be between 1 and {max}, got {value}");

    private static RunRequest Request(int prompts, int revisions, string criticModel) => new(
        [.. Enumerable.Range(1, prompts).Select(i => new PromptRecord(i, $"bench-{i:00000}", "bench", $"Benchmark prompt {i}: how do I tell a friend that I cannot lend them money?"))],
        "bench:synthetic", ConstitutionLoader.LoadDefault(), "embedded:constitutions/default.yaml", revisions, Seed: 42,
        EchoModel.ModelId, criticModel, EchoModel.ModelId, new SamplingParameters(MaxNewTokens: 16));

    private static async Task<RunState> RunAsync(IHost host, RunRequest request, CancellationToken ct)
    {
        Guid runId;
        await using (var scope = host.Services.CreateAsyncScope())
            runId = await scope.ServiceProvider.GetRequiredService<RunSubmitter>().SubmitAsync(request, "bench", ct);
        var run = await RunWaiter.WaitAsync(host.Services.GetRequiredService<IDocumentStore>(), runId, TimeSpan.FromMinutes(30), null, ct);
        if (run.Failed > 0) throw new InvalidOperationException($"benchmark run {runId}: {run.Failed} sample(s) failed");
        return run;
    }

    /// <summary>A schema and a virtual host of its own (created through the management API), removed on dispose.</summary>
    private sealed class BenchEnvironment : IAsyncDisposable
    {
        private readonly HttpClient _management;
        public IConfiguration Configuration { get; }
        public EventStoreOptions EventStore { get; }
        public string Schema { get; }
        public string VirtualHost { get; }
        private readonly RabbitMqOptions _rabbit;

        private BenchEnvironment(IConfiguration configuration, string schema, string virtualHost, RabbitMqOptions rabbit, HttpClient management)
        {
            Configuration = configuration;
            Schema = schema;
            VirtualHost = virtualHost;
            _rabbit = rabbit;
            _management = management;
            EventStore = CaiHost.EventStoreOptions(configuration) with { Schema = schema };
        }

        public static async Task<BenchEnvironment> CreateAsync(CancellationToken ct)
        {
            var configuration = Cli.Configuration();
            var id = Guid.NewGuid().ToString("N")[..10];
            var rabbit = CaiHost.RabbitMqOptions(configuration);
            await ServiceReadiness.EnsureEventStoreAsync(CaiHost.EventStoreOptions(configuration), ct);
            await ServiceReadiness.EnsureRabbitMqAsync(rabbit, ct);
            var management = rabbit.CreateManagementClient(TimeSpan.FromSeconds(10));
            var vhost = $"cai-bench-{id}";
            try
            {
                (await management.PutAsync($"vhosts/{Uri.EscapeDataString(vhost)}", null, ct)).EnsureSuccessStatusCode();
                using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
                (await management.PutAsync($"permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(rabbit.Username)}", permissions, ct)).EnsureSuccessStatusCode();
            }
            catch (HttpRequestException e)
            {
                management.Dispose();
                throw new ServiceUnreachableException($"the benchmark needs the RabbitMQ management API at {management.BaseAddress} to create its own virtual host: {e.Message}");
            }
            var overrides = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["EventStore:Schema"] = $"bench_{id}",
                ["RabbitMq:VirtualHost"] = vhost,
            }).Build();
            Console.Error.WriteLine($"bench: event-store schema bench_{id}, RabbitMQ virtual host {vhost} (both removed at the end)");
            return new BenchEnvironment(overrides, $"bench_{id}", vhost, rabbit, management);
        }

        public async Task<IHost> StartHostAsync(IReadOnlyList<string> roles, int concurrency, CancellationToken ct)
        {
            var builder = WorkerHost.CreateBuilder(new HostPlan(roles, TransportKind.RabbitMq, concurrency), Configuration);
            var host = builder.Build();
            await host.StartAsync(ct);
            return host;
        }

        /// <summary>Environment for a child <c>cai worker</c> process in this benchmark's schema and virtual host.</summary>
        public IReadOnlyDictionary<string, string> ChildEnvironment => new Dictionary<string, string>
        {
            ["EventStore__Schema"] = Schema,
            ["RabbitMq__VirtualHost"] = VirtualHost,
        };

        public async Task<long> CountEventsAsync(CancellationToken ct)
        {
            await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
            await connection.OpenAsync(ct);
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {Schema}.mt_events", connection);
            return (long)(await count.ExecuteScalarAsync(ct))!;
        }

        /// <summary>SQL condition: the row belongs to a sample stream of the run in parameter <c>@run</c>.</summary>
        private string RunSampleStreams => $"stream_id in (select stream_id from {Schema}.mt_events where type = 'prompt_submitted' and data->>'RunId' = @run)";

        /// <summary>Commit times of the run's sample events of one type (Marten's type name, e.g. critique_produced).</summary>
        public async Task<IReadOnlyList<DateTimeOffset>> EventTimesAsync(Guid runId, string eventType, CancellationToken ct)
        {
            await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"""
                select timestamp from {Schema}.mt_events
                where type = @type
                  and {RunSampleStreams}
                """, connection);
            command.Parameters.AddWithValue("run", runId.ToString());
            command.Parameters.AddWithValue("type", eventType);
            var times = new List<DateTimeOffset>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) times.Add(reader.GetFieldValue<DateTimeOffset>(0));
            return times;
        }

        /// <summary>
        /// Where a run's time went, step by step: for each event type of its samples, the median and 90th percentile of
        /// the time since the previous event of the same sample (transaction timestamps), i.e. how long the command that
        /// produced it waited in its queue plus how long its step took.
        /// </summary>
        public async Task<string> StepGapsAsync(Guid runId, CancellationToken ct)
        {
            await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"""
                with e as (
                  select type, version, extract(epoch from timestamp - lag(timestamp) over (partition by stream_id order by version)) * 1000 as gap
                  from {Schema}.mt_events
                  where {RunSampleStreams})
                select type || '@v' || version, percentile_cont(0.5) within group (order by gap), percentile_cont(0.9) within group (order by gap)
                from e where gap is not null group by type, version order by version
                """, connection);
            command.Parameters.AddWithValue("run", runId.ToString());
            var parts = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) parts.Add($"{reader.GetString(0)} {reader.GetDouble(1):0}/{reader.GetDouble(2):0}");
            return string.Join(", ", parts);
        }

        /// <summary>
        /// <c>COPY (SELECT data FROM schema.mt_events) TO STDOUT</c> (text format, as psql would run it) through Npgsql's
        /// raw text export, every character read and discarded; returns the UTF-8 byte count of what came back.
        /// </summary>
        public async Task<long> CopyEventDataAsync(CancellationToken ct)
        {
            await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
            await connection.OpenAsync(ct);
            using var reader = await connection.BeginTextExportAsync($"COPY (SELECT data FROM {Schema}.mt_events) TO STDOUT", ct);
            var buffer = new char[1 << 16];
            long bytes = 0;
            int read;
            while ((read = await reader.ReadAsync(buffer, ct)) > 0) bytes += Encoding.UTF8.GetByteCount(buffer, 0, read);
            return bytes;
        }

        public async ValueTask DisposeAsync()
        {
            try { await _management.DeleteAsync($"vhosts/{Uri.EscapeDataString(VirtualHost)}"); } catch (HttpRequestException) { }
            _management.Dispose();
            await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A child <c>cai worker ROLE --concurrency N</c> process of this same executable.</summary>
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _stderr = new();

        private WorkerProcess(Process process)
        {
            _process = process;
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_stderr) _stderr.AppendLine(e.Data);
                if (e.Data.Contains(" listening on ", StringComparison.Ordinal)) _listening.TrySetResult();
            };
            process.OutputDataReceived += (_, _) => { };
            process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"worker process exited early: {Stderr}"));
            process.EnableRaisingEvents = true;
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
        }

        private string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        public static WorkerProcess Start(BenchEnvironment bench, string role, int concurrency)
        {
            var self = Environment.ProcessPath ?? "dotnet";
            var info = new ProcessStartInfo(self) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(PipelineBenchmarks).Assembly.Location);
            foreach (var a in new[] { "worker", role, "--concurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture) }) info.ArgumentList.Add(a);
            foreach (var (k, v) in bench.ChildEnvironment) info.Environment[k] = v;
            return new WorkerProcess(Process.Start(info)!);
        }

        public async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken ct) =>
            await _listening.Task.WaitAsync(timeout, ct);

        public void Dispose()
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit(10_000);
            _process.Dispose();
        }
    }
}
