using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

/// <summary>
/// Samples two responses to a comparison's prompt from the policy, each with its own recorded seed
/// (<see cref="ResponsePairGenerated"/>): the material the Labeller judges.
/// </summary>
public sealed class GenerateResponsePairConsumer(StepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<GenerateResponsePair>
{
    public async Task Consume(ConsumeContext<GenerateResponsePair> context)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var feedback = run.Configuration.Feedback ?? throw new InvalidOperationException($"run {run.RunId} has no RL labelling stage");
        await steps.ExecuteAsync<ComparisonState>(context, command.PairId, ComparisonSteps.Pair, RlDecider.DecidePair, async (state, ct) =>
        {
            var model = models.Get(feedback.PolicyModel);
            var prompt = PromptFormat.RenderResponsePrompt(state.Prompt);
            var a = await StepGeneration.RunAsync(model, run, state.Id, ComparisonSteps.ResponseSeed('A'), prompt, feedback.PolicySampling, ct);
            var b = await StepGeneration.RunAsync(model, run, state.Id, ComparisonSteps.ResponseSeed('B'), prompt, feedback.PolicySampling, ct);
            return [new ResponsePairGenerated(state.Id, prompt,
                new PairedResponse(DeterministicIds.Step(state.Id, ComparisonSteps.ResponseSeed('A')), PromptFormat.CutAtTurnMarker(a.Text), a.Seed),
                new PairedResponse(DeterministicIds.Step(state.Id, ComparisonSteps.ResponseSeed('B')), PromptFormat.CutAtTurnMarker(b.Text), b.Seed),
                run.Provenance(state, ComparisonSteps.Pair, command.CausationId, WorkerRoles.Generator, worker, a, null, clock))];
        }, RlDecider.NextCommand);
    }
}

public sealed class GenerateResponsePairConsumerDefinition(IOptions<GeneratorOptions> options)
    : StepConsumerDefinition<GenerateResponsePairConsumer, GeneratorOptions>(options, CommandQueues.GenerateResponsePair);

/// <summary>Records a pair step that failed after its retries.</summary>
public sealed class GenerateResponsePairFaultConsumer(StepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : ComparisonFaultConsumer<GenerateResponsePair>(steps, runs, worker, clock, WorkerRoles.Generator);
