using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Reviser;

/// <summary>
/// Revises the latest response in the light of the round's critique (same principle). After the last
/// round it finalises the sample in the same transaction: <see cref="SlExampleFinalized"/> holds the
/// prompt and the final revision, the supervised example.
/// </summary>
public sealed class RevisionConsumer(SampleStepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<RevisionRequested>
{
    public async Task Consume(ConsumeContext<RevisionRequested> context)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var step = StepNames.Revision(command.Round);
        await steps.ExecuteAsync(context, run, command.SampleId, step,
            state => SlDecider.DecideRevision(state, command.Round, run.Configuration.Revisions),
            async (state, ct) =>
            {
                var round = state.FindRound(command.Round)!;
                var principle = run.Constitution.FindCritiqueRevision(round.PrincipleId)
                    ?? throw new InvalidOperationException($"principle '{round.PrincipleId}' is not in constitution {run.Snapshot.Id}");
                var model = models.Get(run.Configuration.ReviserModel);
                var prompt = PromptFormat.RenderRevisionPrompt(state.Prompt, state.InitialResponse!, state.CompletedRoundsBefore(command.Round),
                    round.CritiqueRequest, round.Critique, principle.RevisionRequest);
                var sampling = run.Configuration.ReviserSampling with { StopSequences = PromptFormat.StopSequences };
                var seed = Seeds.Derive(run.Configuration.Seed, state.Id, step);
                var generated = (await model.GenerateAsync([new(prompt, sampling, seed)], ct))[0];
                var revision = new RevisionProduced(state.Id, command.Round, principle.Id, principle.RevisionRequest, prompt,
                    generated.Text, PromptFormat.CleanRevision(generated.Text),
                    run.Provenance(state, step, command.CausationId, WorkerRoles.Reviser, worker, model.Identity, principle.Id, sampling, seed, clock));
                var revised = state.With(revision);
                if (!SlDecider.ShouldFinalize(revised, run.Configuration.Revisions)) return [revision];
                var finalized = new SlExampleFinalized(state.Id, state.Prompt, revision.Revision, run.Configuration.Revisions,
                    run.Provenance(state, StepNames.Finalized, revision.Provenance.StepId, WorkerRoles.Reviser, worker, null, null, null, null, clock));
                return [revision, finalized];
            });
    }
}

public sealed class RevisionConsumerDefinition : ConsumerDefinition<RevisionConsumer>
{
    private readonly ReviserOptions _options;

    public RevisionConsumerDefinition(IOptions<ReviserOptions> options)
    {
        _options = options.Value;
        EndpointName = CommandQueues.Revision;
        ConcurrentMessageLimit = _options.Concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RevisionConsumer> consumerConfigurator, IRegistrationContext context) =>
        StepEndpointPolicy.Apply(endpointConfigurator, context, _options);
}

/// <summary>Records a revision step that failed after its retries.</summary>
public sealed class RevisionFaultConsumer(SampleStepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : StepFaultConsumer<RevisionRequested>(steps, runs, worker, clock)
{
    protected override string Role => WorkerRoles.Reviser;
    protected override Guid RunId(RevisionRequested command) => command.RunId;
    protected override Guid SampleId(RevisionRequested command) => command.SampleId;
    protected override Guid CausationId(RevisionRequested command) => command.CausationId;
    protected override string StepName(RevisionRequested command) => StepNames.Revision(command.Round);
    protected override int RoundOf(RevisionRequested command) => command.Round;
    protected override StepDecision Decide(SampleState state, RevisionRequested command, int revisions) =>
        SlDecider.DecideRevision(state, command.Round, revisions);
}

public static class ReviserRole
{
    public static void AddReviser(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RevisionConsumer, RevisionConsumerDefinition>();
        bus.AddConsumer<RevisionFaultConsumer>();
    }
}
