using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>
/// Turns a step that failed after all its retries (MassTransit publishes <c>Fault&lt;T&gt;</c>) into an explicit
/// <see cref="SampleStepFailed"/> event on the sample's stream, so a failure is never a silent gap. Idempotent
/// like every consumer: if the step did succeed after all, or the sample is already settled, nothing is appended.
/// </summary>
public abstract class StepFaultConsumer<TCommand>(SampleStepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<Fault<TCommand>> where TCommand : class
{
    protected abstract string Role { get; }
    protected abstract Guid RunId(TCommand command);
    protected abstract Guid SampleId(TCommand command);
    protected abstract Guid CausationId(TCommand command);
    protected abstract string StepName(TCommand command);
    protected abstract StepDecision Decide(SampleState state, TCommand command, int revisions);

    public async Task Consume(ConsumeContext<Fault<TCommand>> context)
    {
        var command = context.Message.Message;
        var run = await runs.GetAsync(RunId(command), context.CancellationToken);
        var step = StepName(command);
        var error = context.Message.Exceptions.FirstOrDefault();
        await steps.ExecuteAsync(context, run, SampleId(command), StepNames.Failed(step),
            state => FailureDecision(Decide(state, command, run.Configuration.Revisions)),
            (state, _) => Task.FromResult<IReadOnlyList<object>>([
                new SampleStepFailed(state.Id, step, RoundOf(command),
                    error?.ExceptionType ?? "unknown", error?.Message ?? "no exception information",
                    run.Provenance(state, StepNames.Failed(step), CausationId(command), Role, worker, null, null, null, null, clock)),
            ]));
    }

    protected virtual int RoundOf(TCommand command) => 0;

    /// <summary>Record the failure only where the step itself would still have run; otherwise behave like a duplicate.</summary>
    private static StepDecision FailureDecision(StepDecision stepDecision) =>
        stepDecision.Kind is StepDecisionKind.Execute or StepDecisionKind.NotReady ? StepDecision.Execute : stepDecision;
}
