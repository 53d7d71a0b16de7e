using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Critic;

/// <summary>
/// Critiques the latest response against one principle, sampled from the run's seeded RNG and recorded
/// in <see cref="CritiqueProduced"/>.
/// </summary>
public sealed class CritiqueConsumer(SampleStepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<CritiqueRequested>
{
    public async Task Consume(ConsumeContext<CritiqueRequested> context)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var step = StepNames.Critique(command.Round);
        await steps.ExecuteAsync(context, run, command.SampleId, step,
            state => SlDecider.DecideCritique(state, command.Round, run.Configuration.Revisions),
            async (state, ct) =>
            {
                var principle = PrincipleSampler.Choose(run.Constitution.CritiqueRevision, run.Configuration.Seed, state.Id, command.Round);
                var model = models.Get(run.Configuration.CriticModel);
                var prompt = PromptFormat.RenderCritiquePrompt(state.Prompt, state.InitialResponse!,
                    state.CompletedRoundsBefore(command.Round), principle.CritiqueRequest);
                var sampling = run.Configuration.CriticSampling with { StopSequences = PromptFormat.StopSequences };
                var seed = Seeds.Derive(run.Configuration.Seed, state.Id, step);
                var generated = (await model.GenerateAsync([new(prompt, sampling, seed)], ct))[0];
                return [new CritiqueProduced(state.Id, command.Round, principle.Id, principle.CritiqueRequest, prompt,
                    PromptFormat.CutAtTurnMarker(generated.Text),
                    run.Provenance(state, step, command.CausationId, WorkerRoles.Critic, worker, model.Identity, principle.Id, sampling, seed, clock))];
            });
    }
}

public sealed class CritiqueConsumerDefinition : ConsumerDefinition<CritiqueConsumer>
{
    private readonly CriticOptions _options;

    public CritiqueConsumerDefinition(IOptions<CriticOptions> options)
    {
        _options = options.Value;
        EndpointName = CommandQueues.Critique;
        ConcurrentMessageLimit = _options.Concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CritiqueConsumer> consumerConfigurator, IRegistrationContext context) =>
        StepEndpointPolicy.Apply(endpointConfigurator, context, _options);
}

/// <summary>Records a critique step that failed after its retries.</summary>
public sealed class CritiqueFaultConsumer(SampleStepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : StepFaultConsumer<CritiqueRequested>(steps, runs, worker, clock)
{
    protected override string Role => WorkerRoles.Critic;
    protected override Guid RunId(CritiqueRequested command) => command.RunId;
    protected override Guid SampleId(CritiqueRequested command) => command.SampleId;
    protected override Guid CausationId(CritiqueRequested command) => command.CausationId;
    protected override string StepName(CritiqueRequested command) => StepNames.Critique(command.Round);
    protected override int RoundOf(CritiqueRequested command) => command.Round;
    protected override StepDecision Decide(SampleState state, CritiqueRequested command, int revisions) =>
        SlDecider.DecideCritique(state, command.Round, revisions);
}

public static class CriticRole
{
    public static void AddCritic(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CritiqueConsumer, CritiqueConsumerDefinition>();
        bus.AddConsumer<CritiqueFaultConsumer>();
    }
}
