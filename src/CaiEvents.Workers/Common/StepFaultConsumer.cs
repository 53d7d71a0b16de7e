using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>
/// Turns a step that failed after all its retries (MassTransit publishes <c>Fault&lt;T&gt;</c>) into an explicit failure event
/// on the item's stream, so a failure is never a silent gap; the stage's <see cref="IStepFailureRecorder{TCommand}"/>
/// (<see cref="SampleFailureRecorder"/>, <see cref="ComparisonFailureRecorder"/>) writes it. Idempotent like every
/// consumer. Each role derives a named consumer (its queue name comes from the class name).
/// </summary>
public abstract class StepFaultConsumer<TCommand>(IStepFailureRecorder<TCommand> failures, string role) : IConsumer<Fault<TCommand>>
    where TCommand : class
{
    public Task Consume(ConsumeContext<Fault<TCommand>> context) =>
        failures.RecordAsync(context, context.Message.Message, context.Message.Exceptions.FirstOrDefault(), role);
}
