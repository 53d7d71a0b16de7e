using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>
/// How a stage records a step that failed after all its retries: the failure event on the item's stream, appended through
/// <see cref="StepExecutor"/> (so nothing is appended when the step did succeed after all, or the item is settled).
/// </summary>
public interface IStepFailureRecorder<in TCommand> where TCommand : class
{
    Task RecordAsync(ConsumeContext context, TCommand command, ExceptionInfo? error, string role);
}
