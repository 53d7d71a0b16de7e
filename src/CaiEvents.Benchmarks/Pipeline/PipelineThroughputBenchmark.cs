using CaiEvents.Contracts;
using CaiEvents.Models.Synthetic;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// Infrastructure throughput (<c>cai bench pipeline</c>): the full SL chain (Generator, Critic, Reviser in this process) over
/// RabbitMQ and PostgreSQL with the zero-cost <see cref="EchoModel"/>, so that what is measured is the pipeline, not model compute;
/// then, in the same schema, the <see cref="RawMartenBaseline"/> of the same events, the rate the pipeline is compared with.
/// </summary>
public static class PipelineThroughputBenchmark
{
    /// <param name="configuration">Where PostgreSQL and RabbitMQ are; the benchmark works in a schema and virtual host of its own.</param>
    /// <param name="onEnvironment">Called once the benchmark's schema and virtual host exist.</param>
    public static async Task<PipelineThroughputResult> RunAsync(IConfiguration configuration, PipelineThroughputSettings settings,
        Action<BenchmarkEnvironment>? onEnvironment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (n, r) = (settings.Prompts, settings.Revisions);
        await using var bench = await BenchmarkEnvironment.CreateAsync(configuration, ct);
        onEnvironment?.Invoke(bench);
        using var host = await bench.StartHostAsync(WorkerRoles.SlStage, settings.ConcurrencyPerRole, ct);
        await SyntheticRun.RunToEndAsync(host, SyntheticRun.Request(Math.Min(n, PipelineThroughputSettings.WarmupPrompts), r, EchoModel.ModelId), ct);
        var before = await bench.CountEventsAsync(ct);
        var run = await SyntheticRun.RunToEndAsync(host, SyntheticRun.Request(n, r, EchoModel.ModelId), ct);
        var events = await bench.CountEventsAsync(ct) - before;
        var seconds = (run.CompletedAt!.Value - run.StartedAt).TotalSeconds;
        await host.StopAsync(CancellationToken.None);
        // The same events again, straight into Marten, by as many writers as the pipeline had consumers.
        var baseline = await RawMartenBaseline.RunAsync(bench, run.Id, WorkerRoles.SlStage.Count * settings.ConcurrencyPerRole, ct);
        return new PipelineThroughputResult(settings, seconds, events, baseline, Environment.ProcessorCount);
    }
}
