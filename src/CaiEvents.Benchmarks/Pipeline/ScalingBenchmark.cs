using CaiEvents.Contracts;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// Horizontal scaling of a latency-bound role (<c>cai bench scaling</c>): an SL run whose Critic sleeps a fixed latency per call
/// (a remote LLM), served by N <c>cai worker critic --concurrency 1</c> processes, for each N of the settings. The Generator
/// and the Reviser (zero-cost <see cref="Models.Synthetic.EchoModel"/>) run in this process with room to spare: only the
/// Critic is scaled.
/// </summary>
public static class ScalingBenchmark
{
    /// <param name="configuration">Where PostgreSQL and RabbitMQ are; the benchmark works in a schema and virtual host of its own.</param>
    /// <param name="onEnvironment">Called once the benchmark's schema and virtual host exist.</param>
    /// <param name="onPoint">Called after each process count is measured.</param>
    public static async Task<ScalingResult> RunAsync(IConfiguration configuration, ScalingSettings settings,
        Action<BenchmarkEnvironment>? onEnvironment, Action<ScalingPoint>? onPoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (n, r, ms) = (settings.Prompts, settings.Revisions, settings.LatencyMs);
        await using var bench = await BenchmarkEnvironment.CreateAsync(configuration, ct);
        onEnvironment?.Invoke(bench);
        using var host = await bench.StartHostAsync([WorkerRoles.Generator, WorkerRoles.Reviser], settings.HostConcurrency, ct);
        var points = new List<ScalingPoint>();
        foreach (var k in settings.WorkerCounts)
        {
            var children = new List<WorkerProcess>();
            try
            {
                for (var i = 0; i < k; i++) children.Add(WorkerProcess.Start(bench, "critic", ScalingSettings.CriticConcurrencyPerProcess));
                foreach (var child in children) await child.WaitUntilListeningAsync(TimeSpan.FromMinutes(2), ct);
                // Warm-up: every process connects, loads its model and opens its database connections, and runs enough
                // steps for .NET's tiered JIT to have recompiled its hot paths at full optimisation (a method is
                // recompiled after 30 calls, in a background thread that competes with the workers for the cores),
                // so the timed run measures workers in their steady state, as a long-running worker is.
                await SyntheticRun.RunToEndAsync(host, SyntheticRun.Request(settings.WarmupPromptsPerProcess * k, r, settings.CriticModel), ct);
                var run = await SyntheticRun.RunToEndAsync(host, SyntheticRun.Request(n, r, settings.CriticModel), ct);
                var seconds = (run.CompletedAt!.Value - run.StartedAt).TotalSeconds;
                var steady = BenchmarkStatistics.SteadyRate(await bench.EventTimesAsync(run.Id, "critique_produced", ct));
                var point = new ScalingPoint(k, seconds, n / seconds, n * r / seconds, k * 1000.0 / Math.Max(ms, 1), steady,
                    await bench.StepGapsAsync(run.Id, ct));
                points.Add(point);
                onPoint?.Invoke(point);
            }
            finally
            {
                foreach (var child in children) child.Dispose();
            }
        }
        await host.StopAsync(CancellationToken.None);
        return new ScalingResult(settings, points, Environment.ProcessorCount);
    }
}
