using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;

namespace CaiEvents.Workers.Reviser;

/// <summary>
/// Revises the latest response in the light of the round's critique (same principle). After the last
/// round it finalises the sample in the same transaction: <see cref="SlExampleFinalized"/> holds the
/// prompt and the final revision, the supervised example.
/// </summary>
public sealed class RevisionConsumer(StepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<RevisionRequested>
{
    public async Task Consume(ConsumeContext<RevisionRequested> context)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var step = StepNames.Revision(command.Round);
        await steps.ExecuteAsync<SampleState>(context, command.SampleId, step,
            state => SlDecider.DecideRevision(state, command.Round, run.Configuration.Revisions),
            async (state, ct) =>
            {
                var round = state.FindRound(command.Round)!;
                var principle = run.Constitution.FindCritiqueRevision(round.PrincipleId)
                    ?? throw new InvalidOperationException($"principle '{round.PrincipleId}' is not in constitution {run.Snapshot.Id}");
                // The same draw as the round's critique, so the revision continues the context the critique was written in.
                var examples = FewShotDraw.CritiqueRevision(run.Constitution, run.Configuration.Seed, Seeds.SampleKey(state.Index), command.Round);
                var model = models.Get(run.Configuration.ReviserModel);
                var prompt = RolePrompts.Revision(model.ChatTemplate, state.Prompt, state.InitialResponse!, state.CompletedRoundsBefore(command.Round),
                    round.CritiqueRequest, round.Critique, principle.RevisionRequest, examples);
                var generated = await StepGeneration.RunAsync(model, run, Seeds.SampleKey(state.Index), step, prompt, run.Configuration.ReviserSampling, ct);
                var revision = new RevisionProduced(state.Id, command.Round, principle.Id, principle.RevisionRequest, prompt,
                    generated.Text, RolePrompts.CleanRevision(model.ChatTemplate, generated.Text),
                    run.Provenance(state, step, command.CausationId, WorkerRoles.Reviser, worker, generated, principle.Id, clock),
                    FewShotDraw.Uses(examples));
                var revised = state.With(revision);
                if (!SlDecider.ShouldFinalize(revised, run.Configuration.Revisions)) return [revision];
                var finalized = new SlExampleFinalized(state.Id, state.Prompt, revision.Revision, run.Configuration.Revisions,
                    run.Provenance(state, StepNames.Finalized, revision.Provenance.StepId, WorkerRoles.Reviser, worker, null, null, null, null, clock));
                return [revision, finalized];
            }, run.NextSlCommand);
    }
}
