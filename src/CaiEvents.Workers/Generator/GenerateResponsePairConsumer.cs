using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

/// <summary>
/// Samples two responses to a comparison's prompt from the policy, each with its own recorded seed
/// (<see cref="ResponsePairGenerated"/>): the material the Labeller judges.
/// </summary>
/// <remarks>
/// Commands arrive as a MassTransit batch (<see cref="GeneratorOptions.BatchSize"/>, <see cref="GeneratorOptions.BatchTimeLimitMs"/>).
/// The batch first reads every pair's state and generates both responses of all pairs that still need them in
/// a single <see cref="ITextModel.GenerateAsync"/> call per policy model and sampling (two requests per pair, with
/// exactly the prompts, parameters and seeds of <see cref="ResponsePairGeneration.Requests"/>, so each text is the one
/// the pair gets alone); then each pair goes through <see cref="StepExecutor"/> exactly as a single message would
/// (fetch for writing, decide, append once, send the next command), using the prepared responses (or generating its
/// own if the batched generation failed or the pair was not prepared).
/// <para>Failures stay per pair: a pair that throws does not stop the others in its batch, which are appended; after
/// all pairs were tried the batch rethrows (the pair's own exception, or an <see cref="AggregateException"/> when several
/// failed). MassTransit treats a batch as one unit: the endpoint's retry policy (<see cref="WorkerRoleOptions.RetryIntervalsMs"/>)
/// redelivers the whole batch, where the pairs generated on an earlier attempt are duplicates that append nothing; once
/// the retries are spent, every message of the batch faults on its own, so <c>Fault&lt;GenerateResponsePair&gt;</c> (not only
/// <c>Fault&lt;Batch&lt;GenerateResponsePair&gt;&gt;</c>, which nothing consumes) reaches <see cref="GenerateResponsePairFaultConsumer"/>.
/// It records <see cref="ComparisonStepFailed"/> for the pairs that are still ungenerated and treats the generated ones
/// as duplicates. The cost of batching: the generated batch mates of a failing pair are retried (as no-ops) and their
/// messages land in the error queue with it; re-queuing them later is harmless.</para>
/// </remarks>
public sealed class GenerateResponsePairConsumer(StepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock,
    ILogger<GenerateResponsePairConsumer> log)
    : IConsumer<Batch<GenerateResponsePair>>
{
    public async Task Consume(ConsumeContext<Batch<GenerateResponsePair>> context)
    {
        var prepared = await PrepareAsync(context.Message, context.CancellationToken);
        await BatchSteps.EachAsync(context, message => GenerateAsync(message, prepared), "pair commands");
    }

    /// <summary>
    /// Both responses of every pair in the batch that still needs them, generated together (grouped by policy model
    /// and sampling). Best effort: a pair missing here is generated on its own by <see cref="GenerateAsync"/>.
    /// </summary>
    private async Task<IReadOnlyDictionary<Guid, GeneratedPair>> PrepareAsync(Batch<GenerateResponsePair> batch, CancellationToken ct)
    {
        var prepared = new Dictionary<Guid, GeneratedPair>();
        var work = new List<(PairInput Input, FeedbackConfiguration Feedback)>();
        try
        {
            var commands = batch.Select(m => m.Message).DistinctBy(c => c.PairId).ToList();
            var states = await steps.LoadStatesAsync<ComparisonState>(commands.Select(c => c.PairId).ToList(), ct);
            foreach (var command in commands)
            {
                if (!states.TryGetValue(command.PairId, out var state) || RlDecider.DecidePair(state).Kind != StepDecisionKind.Execute) continue;
                var run = await runs.GetAsync(command.RunId, ct);
                if (run.Configuration.Feedback is not { } feedback) continue;
                work.Add((new PairInput(run.Configuration.Seed, state.Id, Seeds.ComparisonKey(state.Index), PromptFormat.RenderResponsePrompt(state.Prompt)), feedback));
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning(e, "Could not prepare a batch of {Count} pair commands; generating them one by one", batch.Length);
            return prepared;
        }

        foreach (var group in work.GroupBy(w => (w.Feedback.PolicyModel, w.Feedback.PolicySampling)))
        {
            var pairs = group.Select(w => w.Input).ToList();
            try
            {
                var model = models.Get(group.Key.PolicyModel);
                var generated = await ResponsePairGeneration.GenerateManyAsync(model, pairs, group.Key.PolicySampling, ct);
                for (var i = 0; i < pairs.Count; i++) prepared[pairs[i].PairId] = generated[i];
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogWarning(e, "Batched generation of {Count} pair(s) with {Model} failed; generating them one by one", pairs.Count, group.Key.PolicyModel);
            }
        }
        return prepared;
    }

    /// <summary>One pair, exactly as an unbatched consumer would generate it.</summary>
    private async Task GenerateAsync(ConsumeContext<GenerateResponsePair> context, IReadOnlyDictionary<Guid, GeneratedPair> prepared)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var feedback = run.Configuration.Feedback ?? throw new InvalidOperationException($"run {run.RunId} has no RL labelling stage");
        await steps.ExecuteAsync<ComparisonState>(context, command.PairId, ComparisonSteps.Pair, RlDecider.DecidePair, async (state, ct) =>
        {
            var prompt = PromptFormat.RenderResponsePrompt(state.Prompt);
            var pair = prepared.TryGetValue(state.Id, out var ready) ? ready : await ResponsePairGeneration.GenerateAsync(models.Get(feedback.PolicyModel),
                new PairInput(run.Configuration.Seed, state.Id, Seeds.ComparisonKey(state.Index), prompt), feedback.PolicySampling, ct);
            return [new ResponsePairGenerated(state.Id, prompt,
                new PairedResponse(DeterministicIds.Step(state.Id, ComparisonSteps.ResponseSeed('A')), PromptFormat.CutAtTurnMarker(pair.A.Text), pair.A.Seed),
                new PairedResponse(DeterministicIds.Step(state.Id, ComparisonSteps.ResponseSeed('B')), PromptFormat.CutAtTurnMarker(pair.B.Text), pair.B.Seed),
                run.Provenance(state, ComparisonSteps.Pair, command.CausationId, WorkerRoles.Generator, worker, pair.A, null, clock))];
        }, RlDecider.NextCommand);
    }
}

/// <summary>What a pair's two responses depend on: the run seed, the pair's seed key (<see cref="Seeds.ComparisonKey"/>) and its rendered prompt.</summary>
public sealed record PairInput(long RunSeed, Guid PairId, Guid SeedKey, string Prompt);

/// <summary>A pair's two generated responses, as recorded.</summary>
public sealed record GeneratedPair(StepGeneration A, StepGeneration B);

/// <summary>The pair step's model work, shared by the single and the batched path.</summary>
public static class ResponsePairGeneration
{
    /// <summary>The pair's two requests, A then B: same prompt and sampling, seeds derived per response (<see cref="ComparisonSteps.ResponseSeed"/>).</summary>
    public static IReadOnlyList<GenerationRequest> Requests(PairInput pair, SamplingParameters sampling) =>
    [
        StepGeneration.Request(pair.RunSeed, pair.SeedKey, ComparisonSteps.ResponseSeed('A'), pair.Prompt, sampling),
        StepGeneration.Request(pair.RunSeed, pair.SeedKey, ComparisonSteps.ResponseSeed('B'), pair.Prompt, sampling),
    ];

    /// <summary>One pair on its own: response A, then response B, one model call each.</summary>
    public static async Task<GeneratedPair> GenerateAsync(ITextModel model, PairInput pair, SamplingParameters sampling, CancellationToken ct)
    {
        var requests = Requests(pair, sampling);
        var a = (await model.GenerateAsync([requests[0]], ct))[0];
        var b = (await model.GenerateAsync([requests[1]], ct))[0];
        return new GeneratedPair(StepGeneration.From(requests[0], a, model.Identity), StepGeneration.From(requests[1], b, model.Identity));
    }

    /// <summary>Many pairs in one model call (2 requests per pair); each pair's texts are those it gets alone.</summary>
    public static async Task<IReadOnlyList<GeneratedPair>> GenerateManyAsync(ITextModel model, IReadOnlyList<PairInput> pairs, SamplingParameters sampling,
        CancellationToken ct)
    {
        var requests = pairs.SelectMany(p => Requests(p, sampling)).ToList();
        var results = await model.GenerateAsync(requests, ct);
        if (results.Count != requests.Count)
            throw new InvalidOperationException($"{model.Identity.ModelId} returned {results.Count} generations for {requests.Count} requests");
        return pairs.Select((_, i) => new GeneratedPair(
            StepGeneration.From(requests[2 * i], results[2 * i], model.Identity),
            StepGeneration.From(requests[2 * i + 1], results[2 * i + 1], model.Identity))).ToList();
    }
}

/// <summary>The Generator's pair queue, retry and outbox (per message, as for every step), plus its batch limits.</summary>
public sealed class GenerateResponsePairConsumerDefinition(IOptions<GeneratorOptions> options)
    : BatchStepConsumerDefinition<GenerateResponsePairConsumer, GeneratorOptions>(options, CommandQueues.GenerateResponsePair, "Generator");

/// <summary>Records a pair step that failed after its retries.</summary>
public sealed class GenerateResponsePairFaultConsumer(StepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : ComparisonFaultConsumer<GenerateResponsePair>(steps, runs, worker, clock, WorkerRoles.Generator);
