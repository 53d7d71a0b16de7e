using System.Diagnostics;
using CaiEvents.Contracts;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore;
using CaiEvents.Models.Synthetic;
using Marten;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// Replay rate (<c>cai bench replay</c>): builds a dataset with <see cref="EchoModel"/>, then times the whole-store rebuild
/// that <c>cai replay</c> runs (and, for reference, Marten's projection daemon rebuild) against a raw
/// <c>COPY (SELECT data FROM &lt;schema&gt;.mt_events) TO STDOUT</c> of the same database.
/// </summary>
public static class ReplayRateBenchmark
{
    /// <param name="configuration">Where PostgreSQL and RabbitMQ are; the benchmark works in a schema and virtual host of its own.</param>
    /// <param name="onEnvironment">Called once the benchmark's schema and virtual host exist.</param>
    public static async Task<ReplayRateResult> RunAsync(IConfiguration configuration, ReplayRateSettings settings,
        Action<BenchmarkEnvironment>? onEnvironment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await using var bench = await BenchmarkEnvironment.CreateAsync(configuration, ct);
        onEnvironment?.Invoke(bench);
        IReadOnlyList<string> roles = settings.WithPairs ? [.. WorkerRoles.SlStage, WorkerRoles.Labeller] : WorkerRoles.SlStage;
        using (var host = await bench.StartHostAsync(roles, 16, ct))
        {
            var request = SyntheticRun.Request(settings.Prompts, settings.Revisions, EchoModel.ModelId);
            if (settings.WithPairs)
            {
                var sampling = request.Sampling;
                request = request with
                {
                    Feedback = new FeedbackConfiguration(EchoModel.ModelId, sampling with { Temperature = 1.0 }, EchoModel.ModelId, 2,
                        LabelMode.Soft, LabelClampBand.Low, LabelClampBand.High, sampling, FeedbackPrompt.TemplateVersion),
                };
            }
            await SyntheticRun.RunToEndAsync(host, request, ct);
            await host.StopAsync(CancellationToken.None);
        }
        var events = await bench.CountEventsAsync(ct);
        var bytes = 0L;
        await using var store = await bench.OpenStoreAsync(ct);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        ReplayResult rebuilt = new(0, 0, 0);
        var replaySeconds = new List<double>();
        var daemonSeconds = new List<double>();
        var copySeconds = new List<double>();
        // Interleaved, so that a change in the machine's load hits every side alike; the first of each is a warm-up.
        for (var i = 0; i <= settings.Repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            rebuilt = await Replay.RebuildAllAsync(store, TimeSpan.FromMinutes(10), ct);
            if (i > 0) replaySeconds.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            await RebuildWithDaemonAsync(store, ct);
            if (i > 0) daemonSeconds.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            bytes = await bench.CopyEventDataAsync(ct);
            if (i > 0) copySeconds.Add(clock.Elapsed.TotalSeconds);
        }
        return new ReplayRateResult(settings, events, bytes, rebuilt, replaySeconds, daemonSeconds, copySeconds, Environment.ProcessorCount);
    }

    /// <summary>
    /// Marten's projection daemon rebuild of each read model (what <c>cai replay</c> ran before its one-pass bulk rebuild),
    /// timed beside it for reference: the daemon clears each projection's documents and replays every event into it.
    /// </summary>
    private static async Task RebuildWithDaemonAsync(IDocumentStore store, CancellationToken ct)
    {
        using var daemon = await store.BuildProjectionDaemonAsync();
        foreach (var view in Replay.ReadModels) await daemon.RebuildProjectionAsync(view.Name, TimeSpan.FromMinutes(10), ct);
    }
}
