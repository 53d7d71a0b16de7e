using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>
/// Turns a step that failed after all its retries (MassTransit publishes <c>Fault&lt;T&gt;</c>) into an explicit
/// <see cref="SampleStepFailed"/> event on the sample's stream, so a failure is never a silent gap. Idempotent
/// like every consumer: if the step did succeed after all, or the sample is already settled, nothing is appended.
/// Each role derives a named consumer (its queue name comes from the class name).
/// </summary>
public abstract class StepFaultConsumer<TCommand>(StepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock, string role)
    : IConsumer<Fault<TCommand>> where TCommand : class, ISampleCommand
{
    public async Task Consume(ConsumeContext<Fault<TCommand>> context)
    {
        var command = context.Message.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var (step, round) = SlDecider.StepOf(command);
        var error = context.Message.Exceptions.FirstOrDefault();
        await steps.ExecuteAsync<SampleState>(context, command.SampleId, StepNames.Failed(step),
            state => SlDecider.Decide(state, command, run.Configuration.Revisions).ForFailure(),
            (state, _) => Task.FromResult<IReadOnlyList<object>>([
                new SampleStepFailed(state.Id, step, round,
                    error?.ExceptionType ?? "unknown", error?.Message ?? "no exception information",
                    run.Provenance(state, StepNames.Failed(step), command.CausationId, role, worker, null, null, null, null, clock)),
            ]), run.NextSlCommand);
    }
}
