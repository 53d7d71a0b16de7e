using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Labeller;

/// <summary>
/// Labels a response pair with AI feedback: for K comparison principles (a seeded, recorded choice) and both
/// option orders, the feedback model's log-probabilities of " (A)" and " (B)" after the multiple-choice
/// question are normalised, mapped back to response A and averaged (the swap cancels position bias; the
/// principles form an ensemble). Chain-of-thought mode writes reasoning first and clamps the result; hard
/// mode rounds it. <see cref="PreferenceLabelled"/> records every judgement verbatim.
/// </summary>
public sealed class LabelPreferenceConsumer(StepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<LabelPreference>
{
    /// <summary>The reasoning stops where the answer would begin (or at a new turn).</summary>
    private static readonly IReadOnlyList<string> ReasoningStops = ["\nThe answer is", "\nHuman:", "\nAssistant:"];

    public async Task Consume(ConsumeContext<LabelPreference> context)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var feedback = run.Configuration.Feedback ?? throw new InvalidOperationException($"run {run.RunId} has no RL labelling stage");
        await steps.ExecuteAsync<ComparisonState>(context, command.PairId, ComparisonSteps.Label, RlDecider.DecideLabel, async (state, ct) =>
        {
            var model = models.Get(feedback.FeedbackModel);
            var principles = PrincipleSampler.ChooseDistinct(run.Constitution.Comparison, feedback.PrinciplesPerLabel, run.Configuration.Seed, state.Id, "comparison");
            var label = await PreferenceLabeler.LabelAsync(model, state.Prompt, state.A!.Text, state.B!.Text, principles, feedback.Mode,
                feedback.ClampLow, feedback.ClampHigh, async (reasoningPrompt, step, token) =>
                {
                    var generated = await StepGeneration.RunAsync(model, run, state.Id, step, reasoningPrompt, feedback.ReasoningSampling, token, ReasoningStops);
                    return PromptFormat.CutAtTurnMarker(generated.Text);
                }, ct);
            var provenance = run.Provenance(state, ComparisonSteps.Label, command.CausationId, WorkerRoles.Labeller, worker, model.Identity,
                string.Join(",", principles.Select(p => p.Id)), feedback.Mode == LabelMode.ChainOfThought ? feedback.ReasoningSampling : null,
                null, clock, feedback.FeedbackTemplateVersion);
            return [new PreferenceLabelled(state.Id, provenance.StepId, state.A!.ResponseId, state.B!.ResponseId, feedback.Mode, label.Judgements,
                label.AveragedProbabilityA, label.Clamped, feedback.ClampLow, feedback.ClampHigh, label.ProbabilityA,
                feedback.FeedbackTemplateVersion, provenance)];
        }, RlDecider.NextCommand);
    }
}

public sealed class LabelPreferenceConsumerDefinition(IOptions<LabellerOptions> options)
    : StepConsumerDefinition<LabelPreferenceConsumer, LabellerOptions>(options, CommandQueues.LabelPreference);

/// <summary>Records a labelling step that failed after its retries.</summary>
public sealed class LabelPreferenceFaultConsumer(StepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : ComparisonFaultConsumer<LabelPreference>(steps, runs, worker, clock, WorkerRoles.Labeller);

public static class LabellerRole
{
    public static void AddLabeller(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<LabelPreferenceConsumer, LabelPreferenceConsumerDefinition>();
        bus.AddConsumer<LabelPreferenceFaultConsumer>();
    }
}
