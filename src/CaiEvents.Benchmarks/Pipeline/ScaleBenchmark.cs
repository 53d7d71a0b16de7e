using System.Globalization;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Models.Synthetic;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// A run at scale as a user makes one (<c>cai bench scale</c>): <c>cai submit</c> of N numbered prompts on
/// <see cref="EchoModel"/>, K <c>cai worker generator critic reviser</c> processes over RabbitMQ, <c>cai wait</c>; then
/// <c>cai status</c>, <c>cai export sl</c> and <c>cai audit verify --run</c> timed at its end. Every one is a child process
/// of this one (the same executable), in the benchmark's own schema and virtual host, so that each one's peak RSS is its own.
/// </summary>
public static class ScaleBenchmark
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromHours(6);

    /// <param name="configuration">Where PostgreSQL and RabbitMQ are; the benchmark works in a schema and virtual host of its own.</param>
    /// <param name="onEnvironment">Called once the benchmark's schema and virtual host exist.</param>
    /// <param name="progress">Told what the benchmark does next (one line each).</param>
    public static async Task<ScaleResult> RunAsync(IConfiguration configuration, ScaleSettings settings,
        Action<BenchmarkEnvironment>? onEnvironment, Action<string>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var loadBefore = MachineLoad.OneMinute();
        await using var bench = await BenchmarkEnvironment.CreateAsync(configuration, ct);
        onEnvironment?.Invoke(bench);
        var folder = Directory.CreateTempSubdirectory("cai-bench-scale-");
        var workers = new List<WorkerProcess>();
        try
        {
            var prompts = Path.Combine(folder.FullName, "prompts.jsonl");
            await WritePromptsAsync(prompts, settings.Prompts, ct);
            for (var i = 0; i < settings.Workers; i++) workers.Add(WorkerProcess.Start(bench, WorkerRoles.SlStage, settings.ConcurrencyPerWorker));
            foreach (var worker in workers) await worker.WaitUntilListeningAsync(TimeSpan.FromMinutes(2), ct);

            progress?.Invoke($"submitting {settings.Prompts} prompts to {settings.Workers} worker process(es)");
            var submit = await RunAsync(bench, ["submit", "--prompts", prompts, "--model", EchoModel.ModelId,
                "--revisions", Invariant(settings.Revisions), "--max-new-tokens", Invariant(ScaleSettings.MaxNewTokens)], ct);
            var runId = Guid.Parse(submit.Stdout.Trim().Split('\n')[^1]);
            progress?.Invoke($"run {runId} submitted in {submit.Seconds:0.0} s; waiting for it");
            var wait = await RunAsync(bench, ["wait", runId.ToString(), "--timeout", Invariant((int)CommandTimeout.TotalSeconds)], ct);
            var peaks = workers.Select((w, i) => new ProcessPeak($"worker {i + 1}", w.PeakResidentBytes)).ToList();
            foreach (var worker in workers) worker.Dispose();
            workers.Clear();

            progress?.Invoke("run completed; timing status, export and audit verify");
            var status = await RunAsync(bench, ["status", runId.ToString(), "--json"], ct);
            var exported = Path.Combine(folder.FullName, "sl.jsonl");
            var export = await RunAsync(bench, ["export", "sl", "--run", runId.ToString(), "--out", exported], ct);
            var audit = await RunAsync(bench, ["audit", "verify", "--run", runId.ToString(), "--json"], ct);

            var accounting = await bench.AccountingAsync(runId, ct);
            var (first, last) = BenchmarkStatistics.EdgeRates(await bench.EventTimesAsync(runId, "sl_example_finalized", ct));
            using var summary = JsonDocument.Parse(status.Stdout);
            var started = summary.RootElement.GetProperty("started_at").GetDateTimeOffset();
            var completed = summary.RootElement.GetProperty("completed_at").GetDateTimeOffset();
            peaks.Insert(0, new ProcessPeak("bench", ProcessMemory.PeakResidentBytes(Environment.ProcessId)));
            peaks.AddRange([new("submit", submit.PeakResidentBytes), new("wait", wait.PeakResidentBytes),
                new("status", status.PeakResidentBytes), new("export", export.PeakResidentBytes), new("audit verify", audit.PeakResidentBytes)]);
            return new ScaleResult(settings, runId, (completed - started).TotalSeconds, first, last, accounting,
                File.ReadLines(exported).LongCount(), peaks, submit, status, export, audit, loadBefore, MachineLoad.OneMinute(),
                Environment.ProcessorCount);
        }
        finally
        {
            foreach (var worker in workers) worker.Dispose();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Runs one <c>cai</c> command to its end; a non-zero exit fails the benchmark with the command's error output.</summary>
    private static async Task<CliCommandRun> RunAsync(BenchmarkEnvironment bench, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var run = await CliCommandRun.RunAsync(bench, arguments, CommandTimeout, ct);
        return run.ExitCode == 0 ? run
            : throw new InvalidOperationException($"cai {arguments[0]} exited with {run.ExitCode}: {run.Stderr.Trim()}");
    }

    /// <summary>Numbered prompts in the prompt-set format <c>cai submit --prompts</c> reads.</summary>
    private static async Task WritePromptsAsync(string path, int count, CancellationToken ct)
    {
        await using var file = new StreamWriter(path);
        for (var i = 1; i <= count; i++)
        {
            var line = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["id"] = $"bench-{i:000000}",
                ["kind"] = "bench",
                ["prompt"] = $"Benchmark prompt {i}: how do I tell a friend that I cannot lend them money?",
            });
            await file.WriteLineAsync(line.AsMemory(), ct);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
