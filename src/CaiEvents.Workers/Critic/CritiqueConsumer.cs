using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;

namespace CaiEvents.Workers.Critic;

/// <summary>
/// Critiques the latest response against one principle, sampled from the run's seeded RNG and recorded
/// in <see cref="CritiqueProduced"/>.
/// </summary>
public sealed class CritiqueConsumer(StepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<CritiqueRequested>
{
    public async Task Consume(ConsumeContext<CritiqueRequested> context)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var step = StepNames.Critique(command.Round);
        await steps.ExecuteAsync<SampleState>(context, command.SampleId, step,
            state => SlDecider.DecideCritique(state, command.Round, run.Configuration.Revisions),
            async (state, ct) =>
            {
                var principle = PrincipleSampler.Choose(run.Constitution.CritiqueRevision, run.Configuration.Seed, Seeds.SampleKey(state.Index), command.Round);
                var examples = FewShotDraw.CritiqueRevision(run.Constitution, run.Configuration.Seed, Seeds.SampleKey(state.Index), command.Round);
                var model = models.Get(run.Configuration.CriticModel);
                var prompt = RolePrompts.Critique(model.ChatTemplate, state.Prompt, state.InitialResponse!,
                    state.CompletedRoundsBefore(command.Round), principle.CritiqueRequest, examples);
                var generated = await StepGeneration.RunAsync(model, run, Seeds.SampleKey(state.Index), step, prompt, run.Configuration.CriticSampling, ct);
                return [new CritiqueProduced(state.Id, command.Round, principle.Id, principle.CritiqueRequest, prompt,
                    RolePrompts.Cut(model.ChatTemplate, generated.Text),
                    run.Provenance(state, step, command.CausationId, WorkerRoles.Critic, worker, generated, principle.Id, clock),
                    FewShotDraw.Uses(examples))];
            }, run.NextSlCommand);
    }
}
