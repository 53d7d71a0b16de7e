using System.Text.Json;
using CaiEvents.Benchmarks;

namespace CaiEvents.IntegrationTests;

/// <summary>The benchmark commands run end to end (their figures are in docs/benchmarks.md and never asserted here).</summary>
[Collection(nameof(IntegrationCollection))]
public class BenchmarkTests
{
    [Fact]
    public void Steady_rate_counts_the_events_between_the_10th_and_90th_percentile_of_their_times()
    {
        var t0 = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        // 11 events: a slow start (the first 2 s apart), then one every 100 ms, then a slow end; unsorted on purpose.
        var times = new List<DateTimeOffset> { t0.AddSeconds(10) };
        times.AddRange(Enumerable.Range(0, 9).Select(i => t0.AddSeconds(2 + 0.1 * i)));
        times.Add(t0);
        // Sorted: 0, 2.0, 2.1, ..., 2.8, 10. The 10th percentile is index 1 (2.0 s), the 90th index 9 (2.8 s): 8 events in 0.8 s.
        Assert.Equal(10.0, BenchmarkStatistics.SteadyRate(times), 4);
        Assert.Throws<ArgumentException>(() => BenchmarkStatistics.SteadyRate([t0, t0.AddSeconds(1)]));
    }

    [Fact]
    public async Task Scaling_benchmark_runs_with_worker_processes_and_removes_its_schema_and_virtual_host()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        var (schemasBefore, vhostsBefore) = (await services.SchemaNamesAsync(), await services.VirtualHostNamesAsync());
        var result = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(4), "bench", "scaling",
            "--prompts", "6", "--revisions", "1", "--latency-ms", "5", "--workers", "1,2", "--warmup-per-process", "2");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout.Trim().Split('\n')[^1]);
        var points = json.RootElement.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal([1, 2], points.Select(p => p.GetProperty("workers").GetInt32()));
        Assert.All(points, p => Assert.True(p.GetProperty("samples_per_s").GetDouble() > 0 && p.GetProperty("steady_critiques_per_s").GetDouble() > 0));
        Assert.Equal(1.0, points[0].GetProperty("speedup_vs_first").GetDouble());
        Assert.Equal(2, json.RootElement.GetProperty("warmup_prompts_per_process").GetInt32());
        Assert.Contains("2 critic process(es): 6 samples", result.Stderr);
        // It made a schema and a virtual host of its own (named in its output) and removed both.
        var schema = System.Text.RegularExpressions.Regex.Match(result.Stderr, "schema (bench_[0-9a-f]+), RabbitMQ virtual host (cai-bench-[0-9a-f]+)");
        Assert.True(schema.Success, result.Stderr);
        Assert.DoesNotContain(schema.Groups[1].Value, await services.SchemaNamesAsync());
        Assert.DoesNotContain(schema.Groups[2].Value, await services.VirtualHostNamesAsync());
        Assert.Equal(schemasBefore.Order(), (await services.SchemaNamesAsync()).Order());
        Assert.Equal(vhostsBefore.Order(), (await services.VirtualHostNamesAsync()).Order());
    }

    [Fact]
    public async Task Scale_benchmark_accounts_for_every_prompt_once_and_reports_every_process()
    {
        await using var services = await TestServices.StartAsync();
        var (schemasBefore, vhostsBefore) = (await services.SchemaNamesAsync(), await services.VirtualHostNamesAsync());
        var result = await CliProcess.RunAsync(services.ProcessEnvironment(), TimeSpan.FromMinutes(6), "bench", "scale",
            "--prompts", "40", "--revisions", "1", "--workers", "2", "--concurrency", "4");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout.Trim().Split('\n')[^1]);
        var root = json.RootElement;
        Assert.Equal(40, root.GetProperty("samples").GetInt64());
        Assert.Equal(40, root.GetProperty("finalized").GetInt64());
        Assert.Equal(40, root.GetProperty("exported_rows").GetInt64());
        Assert.Equal(0, root.GetProperty("lost").GetInt64() + root.GetProperty("doubled").GetInt64()
            + root.GetProperty("failed").GetInt64() + root.GetProperty("duplicate_steps").GetInt64());
        Assert.True(root.GetProperty("first_tenth_samples_per_s").GetDouble() > 0 && root.GetProperty("last_tenth_samples_per_s").GetDouble() > 0);
        Assert.All(new[] { "status_seconds", "export_seconds", "audit_verify_seconds" }, p => Assert.True(root.GetProperty(p).GetDouble() > 0, p));
        var peaks = root.GetProperty("peak_rss_mib").EnumerateArray()
            .ToDictionary(p => p.GetProperty("process").GetString()!, p => p.GetProperty("mib").GetDouble());
        Assert.Equal(["audit verify", "bench", "export", "status", "submit", "wait", "worker 1", "worker 2"], peaks.Keys.Order());
        Assert.All(peaks, p => Assert.True(p.Value > 10, $"{p.Key}: {p.Value} MiB"));
        Assert.Equal(schemasBefore.Order(), (await services.SchemaNamesAsync()).Order());
        Assert.Equal(vhostsBefore.Order(), (await services.VirtualHostNamesAsync()).Order());
    }

    [Fact]
    public async Task Pipeline_benchmark_appends_the_same_events_step_by_step_to_its_raw_Marten_baseline()
    {
        await using var services = await TestServices.StartAsync();
        var result = await CliProcess.RunAsync(services.ProcessEnvironment(), TimeSpan.FromMinutes(4), "bench", "pipeline",
            "--prompts", "10", "--revisions", "1", "--concurrency", "2");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout.Trim().Split('\n')[^1]);
        var root = json.RootElement;
        var baseline = root.GetProperty("baseline");
        Assert.Equal(root.GetProperty("events").GetInt64(), baseline.GetProperty("events").GetInt64());
        // The submission (run + 10 samples), per sample its response, critique and revision (with its final example), the run's end.
        Assert.Equal(1 + 10 * 3 + 1, baseline.GetProperty("transactions").GetInt32());
        Assert.Equal(3 * 2, baseline.GetProperty("writers").GetInt32());
        var ratio = root.GetProperty("ratio_to_baseline").GetDouble();
        Assert.Equal(root.GetProperty("events_per_s").GetDouble() / baseline.GetProperty("events_per_s").GetDouble(), ratio, 2);
    }

    [Fact]
    public async Task Replay_benchmark_rebuilds_every_read_model_of_its_dataset()
    {
        await using var services = await TestServices.StartAsync();
        var result = await CliProcess.RunAsync(services.ProcessEnvironment(), TimeSpan.FromMinutes(4), "bench", "replay",
            "--prompts", "5", "--revisions", "1", "--pairs", "--repetitions", "1");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout.Trim().Split('\n')[^1]);
        var rebuilt = json.RootElement.GetProperty("rebuilt");
        Assert.Equal((1, 5, 5), (rebuilt.GetProperty("runs").GetInt32(), rebuilt.GetProperty("samples").GetInt32(),
            rebuilt.GetProperty("comparisons").GetInt32()));
    }

    [Theory]
    [InlineData("--host-concurrency", "--host-concurrency: must be between 1 and 256, got 0")]
    [InlineData("--warmup-per-process", "--warmup-per-process: must be between 1 and 1000, got 0")]
    public async Task Scaling_benchmark_refuses_a_bad_option_before_it_makes_a_schema_or_virtual_host(string option, string error)
    {
        await using var services = await TestServices.StartAsync();
        var result = await CliProcess.RunAsync(services.ProcessEnvironment(), TimeSpan.FromMinutes(1), "bench", "scaling", option, "0");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: {error}", result.Stderr.Trim());
    }
}
