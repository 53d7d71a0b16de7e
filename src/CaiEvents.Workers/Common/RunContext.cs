using System.Collections.Concurrent;
using CaiEvents.Contracts;
using CaiEvents.Domain;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.Models;
using Marten;

namespace CaiEvents.Workers.Common;

/// <summary>What every step of a run needs: its frozen configuration and the parsed constitution.</summary>
public sealed record RunContext(Guid RunId, RunConfiguration Configuration, ConstitutionSnapshot Snapshot, Constitution Constitution)
{
    public Provenance Provenance<TItem>(TItem item, string stepName, Guid causationId, string role, WorkerIdentity worker,
        ModelIdentity? model, string? principleId, SamplingParameters? sampling, long? seed, TimeProvider clock, string? templateVersion = null)
        where TItem : IItemState<TItem> =>
        new(RunId, item.Id, DeterministicIds.Step(item.Id, stepName), causationId, RunId, role, worker.Instance,
            model?.ModelId, model?.CheckpointHash, Snapshot.Id, Snapshot.ContentHash, principleId,
            templateVersion ?? Configuration.PromptTemplateVersion, sampling, seed, clock.GetUtcNow());

    /// <summary>What a sample needs next in this run (see <see cref="SlDecider.NextCommand"/>).</summary>
    public object? NextSlCommand(SampleState state) => SlDecider.NextCommand(state, Configuration.Revisions);

    /// <summary>Provenance of a step whose output came from a model call.</summary>
    public Provenance Provenance<TItem>(TItem item, string stepName, Guid causationId, string role, WorkerIdentity worker,
        StepGeneration generated, string? principleId, TimeProvider clock, string? templateVersion = null) where TItem : IItemState<TItem> =>
        Provenance(item, stepName, causationId, role, worker, generated.Model, principleId, generated.Sampling, generated.Seed, clock, templateVersion);
}

/// <summary>Run configuration is immutable once started, so each process reads it once per run.</summary>
public sealed class RunContextCache(IDocumentStore store)
{
    private readonly ConcurrentDictionary<Guid, RunContext> _runs = new();

    public async Task<RunContext> GetAsync(Guid runId, CancellationToken ct)
    {
        if (_runs.TryGetValue(runId, out var cached)) return cached;
        await using var session = store.QuerySession();
        var run = await RunQueries.LoadRunAsync(session, runId, ct)
                  ?? throw new UnknownRunException(runId);
        var constitution = ConstitutionLoader.Parse(run.Constitution.Text, run.Constitution.SourceName);
        var context = new RunContext(runId, run.Configuration, run.Constitution, constitution);
        return _runs.GetOrAdd(runId, context);
    }
}

public sealed class UnknownRunException(Guid runId) : Exception($"run {runId} does not exist in the event store");

public sealed class UnknownItemException(Guid itemId) : Exception($"item stream {itemId} (sample or comparison) does not exist in the event store");

/// <summary>The step's inputs are not on the stream yet; thrown so MassTransit retries the message.</summary>
public sealed class StepNotReadyException(string reason) : Exception(reason);
