using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Labeller;

/// <summary>
/// Labels response pairs with AI feedback: for K comparison principles (a seeded, recorded choice) and both
/// option orders, the feedback model's log-probabilities of " (A)" and " (B)" after the multiple-choice
/// question are normalised, mapped back to response A and averaged (the swap cancels position bias; the
/// principles form an ensemble). Chain-of-thought mode writes reasoning first and clamps the result; hard
/// mode rounds it. <see cref="PreferenceLabelled"/> records every judgement verbatim.
/// </summary>
/// <remarks>
/// Commands arrive as a MassTransit batch (<see cref="LabellerOptions.BatchSize"/>, <see cref="LabellerOptions.BatchTimeLimitMs"/>).
/// The batch first reads every pair's state and scores the soft/hard labels of all pairs that still need one in
/// a single <see cref="ITextModel.ScoreManyAsync"/> call; then each pair goes through <see cref="StepExecutor"/>
/// exactly as a single message would (fetch for writing, decide, append once, send the next command), using the
/// prepared label (or computing its own if the batched scoring failed or the pair was not prepared).
/// <para>Failures stay per pair: a pair that throws does not stop the others in its batch, which are appended; after
/// all pairs were tried the batch rethrows (the pair's own exception, or an <see cref="AggregateException"/> when several
/// failed). MassTransit treats a batch as one unit: the endpoint's retry policy (<see cref="WorkerRoleOptions.RetryIntervalsMs"/>)
/// redelivers the whole batch, where the pairs labelled on an earlier attempt are duplicates that append nothing; once
/// the retries are spent, every message of the batch faults on its own, so <c>Fault&lt;LabelPreference&gt;</c> (not only
/// <c>Fault&lt;Batch&lt;LabelPreference&gt;&gt;</c>, which nothing consumes) reaches <see cref="LabelPreferenceFaultConsumer"/>.
/// It records <see cref="ComparisonStepFailed"/> for the pairs that are still unlabelled and treats the labelled ones
/// as duplicates. The cost of batching: the labelled batch mates of a failing pair are retried (as no-ops) and their
/// messages land in the error queue with it; re-queuing them later is harmless.</para>
/// <para>A label read from a server's top log-probabilities whose A/B mass is below <see cref="LabellerOptions.MinOptionMass"/>
/// is not a fault: asking the same server again in a few seconds would give the same answer, so it is not thrown to the retry
/// policy. The label step records <see cref="ComparisonStepFailed"/> (type <see cref="OptionMassCheck.FailureType"/>) itself,
/// which settles the comparison like any failure, and <c>cai retry-failed</c> sends it back.</para>
/// </remarks>
public sealed class LabelPreferenceConsumer(StepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock,
    IOptions<LabellerOptions> options, ILogger<LabelPreferenceConsumer> log)
    : IConsumer<Batch<LabelPreference>>
{
    /// <summary>The reasoning stops where the answer would begin (or at a new turn).</summary>
    private static readonly IReadOnlyList<string> ReasoningStops = ["\nThe answer is", "\nHuman:", "\nAssistant:"];

    public async Task Consume(ConsumeContext<Batch<LabelPreference>> context)
    {
        var prepared = await PrepareAsync(context.Message, context.CancellationToken);
        await BatchSteps.EachAsync(context, message => LabelAsync(message, prepared), "labelling commands");
    }

    private static readonly BatchWording Wording = new("labelling commands", "labelling", "labelling");

    /// <summary>
    /// Soft/hard labels of every pair in the batch that still needs one, scored together (grouped by feedback model
    /// and label settings). Best effort: a pair missing here is labelled on its own by <see cref="LabelAsync"/>.
    /// Chain-of-thought labels are not batched: each writes its own reasoning first.
    /// </summary>
    private Task<IReadOnlyDictionary<Guid, PreferenceLabel>> PrepareAsync(Batch<LabelPreference> batch, CancellationToken ct) =>
        BatchSteps.PrepareAsync(batch, steps, runs, RlDecider.DecideLabel,
            (state, run) => run.Configuration.Feedback is { Mode: not LabelMode.ChainOfThought } feedback
                ? new LabelWork(state, feedback, Principles(run, feedback, state), Examples(run, state))
                : null,
            pair => (pair.Feedback.FeedbackModel, pair.Feedback.Mode, pair.Feedback.ClampLow, pair.Feedback.ClampHigh), pair => pair.State.Id,
            key => key.FeedbackModel,
            async (key, pairs, token) => await PreferenceLabeler.LabelManyAsync(models.Get(key.FeedbackModel),
                pairs.Select(p => new PreferencePair(p.State.Prompt, p.State.A!.Text, p.State.B!.Text, p.Principles, null, p.Examples)).ToList(),
                key.Mode, key.ClampLow, key.ClampHigh, token),
            log, Wording, ct);

    /// <summary>A pair to label in a batch: its state, the run's RL stage settings, the pair's sampled principles and few-shot examples.</summary>
    private sealed record LabelWork(ComparisonState State, FeedbackConfiguration Feedback, IReadOnlyList<ComparisonPrinciple> Principles,
        IReadOnlyList<PlacedFeedbackExample> Examples);

    /// <summary>One pair, exactly as an unbatched consumer would label it.</summary>
    private async Task LabelAsync(ConsumeContext<LabelPreference> context, IReadOnlyDictionary<Guid, PreferenceLabel> prepared)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var feedback = run.Configuration.Feedback ?? throw new InvalidOperationException($"run {run.RunId} has no RL labelling stage");
        await steps.ExecuteAsync<ComparisonState>(context, command.PairId, ComparisonSteps.Label, RlDecider.DecideLabel, async (state, ct) =>
        {
            var model = models.Get(feedback.FeedbackModel);
            var principles = Principles(run, feedback, state);
            var examples = Examples(run, state);
            var label = prepared.TryGetValue(state.Id, out var ready) ? ready : await PreferenceLabeler.LabelAsync(model, state.Prompt, state.A!.Text,
                state.B!.Text, principles, feedback.Mode, feedback.ClampLow, feedback.ClampHigh, async (reasoningPrompt, step, token) =>
                {
                    var generated = await StepGeneration.RunAsync(model, run, Seeds.ComparisonKey(state.Index), step, reasoningPrompt,
                        feedback.ReasoningSampling, token, ReasoningStops);
                    return RolePrompts.Cut(model.ChatTemplate, generated.Text);
                }, ct, examples);
            var principleIds = string.Join(",", principles.Select(p => p.Id));
            var sampling = feedback.Mode == LabelMode.ChainOfThought ? feedback.ReasoningSampling : null;
            if (OptionMassCheck.Failure(label.Judgements, options.Value.MinOptionMass) is { } lowMass)
            {
                log.LogWarning("Label of pair {PairId} refused: {Reason}", state.Id, lowMass);
                return [new ComparisonStepFailed(state.Id, ComparisonSteps.Label, OptionMassCheck.FailureType, lowMass,
                    run.Provenance(state, StepNames.Failed(ComparisonSteps.Label), command.CausationId, WorkerRoles.Labeller, worker, model.Identity,
                        principleIds, sampling, null, clock, feedback.FeedbackTemplateVersion, model.ChatTemplate, label.Served))];
            }
            var provenance = run.Provenance(state, ComparisonSteps.Label, command.CausationId, WorkerRoles.Labeller, worker, model.Identity,
                principleIds, sampling, null, clock, feedback.FeedbackTemplateVersion, model.ChatTemplate, label.Served);
            return [new PreferenceLabelled(state.Id, provenance.StepId, state.A!.ResponseId, state.B!.ResponseId, feedback.Mode, label.Judgements,
                label.AveragedProbabilityA, label.Clamped, feedback.ClampLow, feedback.ClampHigh, label.ProbabilityA,
                provenance.PromptTemplateVersion, provenance, FewShotDraw.Uses(examples))];
        }, RlDecider.NextCommand);
    }

    private static IReadOnlyList<ComparisonPrinciple> Principles(RunContext run, FeedbackConfiguration feedback, ComparisonState state) =>
        PrincipleSampler.ChooseDistinct(run.Constitution.Comparison, feedback.PrinciplesPerLabel, run.Configuration.Seed, Seeds.ComparisonKey(state.Index),
            "comparison");

    private static IReadOnlyList<PlacedFeedbackExample> Examples(RunContext run, ComparisonState state) =>
        FewShotDraw.Feedback(run.Constitution, run.Configuration.Seed, Seeds.ComparisonKey(state.Index));
}
