using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Logging;

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

    private static readonly BatchWording Wording = new("pair commands", "generation", "generating");

    /// <summary>
    /// Both responses of every pair in the batch that still needs them, generated together (grouped by policy model
    /// and sampling). Best effort: a pair missing here is generated on its own by <see cref="GenerateAsync"/>.
    /// </summary>
    private Task<IReadOnlyDictionary<Guid, GeneratedPair>> PrepareAsync(Batch<GenerateResponsePair> batch, CancellationToken ct) =>
        BatchSteps.PrepareAsync(batch, steps, runs, RlDecider.DecidePair,
            (state, run) => run.Configuration.Feedback is { } feedback
                ? new PairWork(new PairInput(run.Configuration.Seed, state.Id, Seeds.ComparisonKey(state.Index),
                    RolePrompts.Response(models.Get(feedback.PolicyModel).ChatTemplate, state.Prompt)),
                    feedback)
                : null,
            pair => (pair.Feedback.PolicyModel, pair.Feedback.PolicySampling), pair => pair.Input.PairId, key => key.PolicyModel,
            (key, pairs, token) => ResponsePairGeneration.GenerateManyAsync(models.Get(key.PolicyModel), pairs.Select(p => p.Input).ToList(),
                key.PolicySampling, token),
            log, Wording, ct);

    /// <summary>A pair to generate in a batch, with the run's RL stage settings (its policy model and sampling group the batch).</summary>
    private sealed record PairWork(PairInput Input, FeedbackConfiguration Feedback);

    /// <summary>One pair, exactly as an unbatched consumer would generate it.</summary>
    private async Task GenerateAsync(ConsumeContext<GenerateResponsePair> context, IReadOnlyDictionary<Guid, GeneratedPair> prepared)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var feedback = run.Configuration.Feedback ?? throw new InvalidOperationException($"run {run.RunId} has no RL labelling stage");
        await steps.ExecuteAsync<ComparisonState>(context, command.PairId, ComparisonSteps.Pair, RlDecider.DecidePair, async (state, ct) =>
        {
            var policy = models.Get(feedback.PolicyModel);
            var prompt = RolePrompts.Response(policy.ChatTemplate, state.Prompt);
            var pair = prepared.TryGetValue(state.Id, out var ready) ? ready : await ResponsePairGeneration.GenerateAsync(policy,
                new PairInput(run.Configuration.Seed, state.Id, Seeds.ComparisonKey(state.Index), prompt), feedback.PolicySampling, ct);
            return [new ResponsePairGenerated(state.Id, prompt,
                new PairedResponse(DeterministicIds.Step(state.Id, ComparisonSteps.ResponseSeed('A')), RolePrompts.Cut(policy.ChatTemplate, pair.A.Text),
                    pair.A.Seed),
                new PairedResponse(DeterministicIds.Step(state.Id, ComparisonSteps.ResponseSeed('B')), RolePrompts.Cut(policy.ChatTemplate, pair.B.Text),
                    pair.B.Seed),
                run.Provenance(state, ComparisonSteps.Pair, command.CausationId, WorkerRoles.Generator, worker, pair.A, null, clock))];
        }, RlDecider.NextCommand);
    }
}
