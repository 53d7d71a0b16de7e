using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Prompts;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using Marten;
using MassTransit;

namespace CaiEvents.Workers.Submission;

/// <summary>What a user asks for when starting a run.</summary>
public sealed record RunRequest(
    IReadOnlyList<PromptRecord> Prompts,
    string PromptSource,
    Constitution Constitution,
    string ConstitutionSource,
    int Revisions,
    long Seed,
    string GeneratorModel,
    string CriticModel,
    string ReviserModel,
    SamplingParameters Sampling,
    FeedbackConfiguration? Feedback = null,
    bool RunSlStage = true);

/// <summary>
/// Starts a run: writes the run stream (<see cref="RunStarted"/>, with the full constitution text) and one
/// stream per prompt (<see cref="PromptSubmitted"/>) in one transaction, then sends one
/// <see cref="GenerateResponse"/> per sample. If sending is interrupted, <see cref="ResumeAsync"/>
/// re-sends what every unsettled sample needs next; consumers ignore duplicates.
/// </summary>
public sealed class RunSubmitter(IDocumentStore store, ISendEndpointProvider bus, TimeProvider clock)
{
    public const int MaxRevisions = 16;

    public static RunConfiguration Configure(RunRequest request) => new(
        request.Revisions, request.Seed, request.PromptSource, PromptSetHash(request.Prompts),
        request.GeneratorModel, request.CriticModel, request.ReviserModel,
        request.Sampling, request.Sampling, request.Sampling, PromptFormat.TemplateVersion, request.Feedback, request.RunSlStage);

    public async Task<Guid> SubmitAsync(RunRequest request, string submittedBy, CancellationToken ct)
    {
        var runId = await WriteAsync(request, submittedBy, ct);
        await ResumeAsync(runId, ct);
        return runId;
    }

    /// <summary>Writes the run and sample streams in one transaction and sends nothing.</summary>
    public async Task<Guid> WriteAsync(RunRequest request, string submittedBy, CancellationToken ct)
    {
        if (request.Revisions is < 1 or > MaxRevisions)
            throw new ArgumentOutOfRangeException(nameof(request), $"revisions must be between 1 and {MaxRevisions}, got {request.Revisions}");
        if (request.Prompts.Count == 0) throw new ArgumentException("a run needs at least one prompt", nameof(request));
        if (!request.RunSlStage && request.Feedback is null)
            throw new ArgumentException("a run needs the SL stage, the RL labelling stage, or both", nameof(request));

        var runId = Guid.NewGuid();
        var now = clock.GetUtcNow();
        var configuration = Configure(request);
        var constitution = new ConstitutionSnapshot(request.Constitution.Id, request.Constitution.Version,
            request.Constitution.ContentHash, request.ConstitutionSource, request.Constitution.SourceText);
        var sampleIds = request.RunSlStage ? request.Prompts.Select((_, i) => DeterministicIds.Sample(runId, i)).ToList() : [];
        var pairIds = request.Feedback is null ? [] : request.Prompts.Select((_, i) => DeterministicIds.Create(runId, $"pair:{i}")).ToList();

        // The run id is fixed before the first attempt, so a retry after a commit whose reply was lost (PostgreSQL
        // restarting at that moment) finds the run already written and writes nothing: exactly one run either way.
        await Resilience.Create().ExecuteAsync(async token =>
        {
            await using var session = store.LightweightSession();
            if (await session.Events.FetchStreamStateAsync(runId, token) is not null) return;
            session.Events.StartStream<RunState>(runId,
                new RunStarted(runId, configuration, constitution, sampleIds.Count, sampleIds, submittedBy, now, pairIds));
            for (var i = 0; i < pairIds.Count; i++)
            {
                var p = request.Prompts[i];
                var provenance = new Provenance(runId, pairIds[i], DeterministicIds.Step(pairIds[i], ComparisonSteps.Submitted), runId, runId,
                    WorkerRoles.Submitter, submittedBy, null, null, constitution.Id, constitution.ContentHash, null,
                    request.Feedback!.FeedbackTemplateVersion, null, request.Seed, now);
                session.Events.StartStream<ComparisonState>(pairIds[i],
                    new ComparisonSubmitted(pairIds[i], runId, i, p.Id, p.Prompt, request.PromptSource, p.LineNumber, provenance));
            }
            for (var i = 0; i < sampleIds.Count; i++)
            {
                var p = request.Prompts[i];
                var sampleId = sampleIds[i];
                var provenance = new Provenance(runId, sampleId, DeterministicIds.Step(sampleId, StepNames.Prompt), runId, runId,
                    WorkerRoles.Submitter, submittedBy, null, null, constitution.Id, constitution.ContentHash, null,
                    configuration.PromptTemplateVersion, null, request.Seed, now);
                session.Events.StartStream<SampleState>(sampleId,
                    new PromptSubmitted(sampleId, runId, i, p.Id, p.Kind, p.Prompt, request.PromptSource, p.LineNumber, provenance));
            }
            await session.SaveChangesAsync(token);
        }, ct);
        return runId;
    }

    /// <summary>Sends the next command of every unsettled sample and comparison of a run, a batch at a time; returns how many were sent.</summary>
    public Task<int> ResumeAsync(Guid runId, CancellationToken ct, int batchSize = RunItemBatches.DefaultBatchSize) =>
        NextCommandSender.SendAsync(store, bus, runId, retriedOnly: false, batchSize, ct);

    /// <summary>Sends that may wait for their broker confirmation at once when a run starts (one at a time, the confirmation
    /// round trips alone held back the first steps of a large run).</summary>
    public const int ParallelSends = 16;

    /// <summary>
    /// Sends commands to their queues, up to <see cref="ParallelSends"/> at once, each retried while the broker is
    /// unreachable (consumers ignore duplicates). Returns once every command is confirmed; the order is not kept.
    /// </summary>
    public static async Task SendAllAsync(ISendEndpointProvider bus, IEnumerable<object> commands, CancellationToken ct)
    {
        var pipeline = Resilience.Create();
        await Parallel.ForEachAsync(commands, new ParallelOptions { MaxDegreeOfParallelism = ParallelSends, CancellationToken = ct }, async (next, token) =>
            await pipeline.ExecuteAsync(async inner =>
            {
                var endpoint = await bus.GetSendEndpoint(CommandQueues.AddressFor(next));
                await endpoint.Send(next, next.GetType(), inner);
            }, token));
    }

    /// <summary>sha256 over the prompts as submitted (id, kind, text), so two runs on the same set are recognisable.</summary>
    public static string PromptSetHash(IReadOnlyList<PromptRecord> prompts)
    {
        var json = JsonSerializer.Serialize(prompts.Select(p => new[] { p.Id, p.Kind ?? "", p.Prompt }));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }
}
