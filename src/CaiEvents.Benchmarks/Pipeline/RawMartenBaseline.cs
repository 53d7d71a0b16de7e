using System.Diagnostics;
using CaiEvents.EventStore;
using JasperFx.Events;
using Marten;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// The raw Marten baseline of <c>cai bench pipeline</c>: the timed run's own events appended again, to new streams in the
/// same schema, through a store that has the events alone (<see cref="EventStoreSetup.ConfigureEvents"/>: no projections,
/// no hash chain, Marten's default append mode). The same stream layout and transactions: the run's and every sample's
/// first events in one transaction (the submission), then each sample's later steps, one transaction per step (the events
/// the pipeline committed together, i.e. with one transaction timestamp), by as many concurrent writers as the pipeline had
/// consumers, then the run's last events. No broker and no model: what Marten itself sustains for this workload.
/// </summary>
public static class RawMartenBaseline
{
    public static async Task<RawMartenBaselineResult> RunAsync(BenchmarkEnvironment bench, Guid runId, int writers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bench);
        var (runSteps, sampleSteps) = await LoadStepsAsync(bench, runId, ct);
        await using var raw = DocumentStore.For(opts => EventStoreSetup.ConfigureEvents(opts, bench.EventStore));
        await raw.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        // Untimed warm-up on a few copied samples: Marten generates and compiles its storage code on a store's first use.
        await AppendRunAsync(raw, runSteps, [.. sampleSteps.Take(PipelineThroughputSettings.WarmupPrompts)], writers, ct);
        var clock = Stopwatch.StartNew();
        await AppendRunAsync(raw, runSteps, sampleSteps, writers, ct);
        clock.Stop();
        var events = runSteps.Sum(s => s.Length) + sampleSteps.Sum(steps => steps.Sum(s => s.Length));
        var transactions = runSteps.Count + sampleSteps.Sum(steps => steps.Count - 1);
        return new RawMartenBaselineResult(events, transactions, writers, clock.Elapsed.TotalSeconds, raw.Options.Events.AppendMode.ToString());
    }

    /// <summary>Copies of the run's and the samples' streams: the submission in one transaction, then every later step in its own.</summary>
    private static async Task AppendRunAsync(IDocumentStore store, IReadOnlyList<object[]> runSteps,
        IReadOnlyList<IReadOnlyList<object[]>> sampleSteps, int writers, CancellationToken ct)
    {
        var runCopy = Guid.NewGuid();
        var samples = sampleSteps.Select(steps => (Id: Guid.NewGuid(), Steps: steps)).ToList();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream(runCopy, runSteps[0]);
            foreach (var (id, steps) in samples) session.Events.StartStream(id, steps[0]);
            await session.SaveChangesAsync(ct);
        }
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < samples.Count)
                await AppendStepsAsync(store, samples[i].Id, samples[i].Steps, ct);
        }, ct)));
        await AppendStepsAsync(store, runCopy, runSteps, ct);
    }

    /// <summary>Appends every step but the first (written with the submission), one transaction each, with its expected version.</summary>
    private static async Task AppendStepsAsync(IDocumentStore store, Guid streamId, IReadOnlyList<object[]> steps, CancellationToken ct)
    {
        long version = steps[0].Length;
        foreach (var step in steps.Skip(1))
        {
            await using var session = store.LightweightSession();
            version += step.Length;
            session.Events.Append(streamId, version, step);
            await session.SaveChangesAsync(ct);
        }
    }

    /// <summary>The run's stream and its sample streams, each as its steps: events grouped by their transaction's timestamp.</summary>
    private static async Task<(IReadOnlyList<object[]> Run, IReadOnlyList<IReadOnlyList<object[]>> Samples)> LoadStepsAsync(
        BenchmarkEnvironment bench, Guid runId, CancellationToken ct)
    {
        var sampleIds = await bench.SampleStreamIdsAsync(runId, ct);
        await using var store = EventStoreSetup.CreateStore(bench.EventStore);
        await using var session = store.QuerySession();
        var run = Steps(await session.Events.FetchStreamAsync(runId, token: ct));
        var samples = new List<IReadOnlyList<object[]>>(sampleIds.Count);
        foreach (var id in sampleIds) samples.Add(Steps(await session.Events.FetchStreamAsync(id, token: ct)));
        return (run, samples);
    }

    // PostgreSQL stamps an event with its transaction's start time, so one stream's events with one timestamp were one step.
    private static List<object[]> Steps(IReadOnlyList<IEvent> stream) =>
        [.. stream.OrderBy(e => e.Version).GroupBy(e => e.Timestamp).Select(g => g.Select(e => e.Data).ToArray())];
}
