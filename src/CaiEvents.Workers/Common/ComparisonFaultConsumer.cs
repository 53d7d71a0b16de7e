using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>
/// The RL-stage twin of <see cref="StepFaultConsumer{TCommand}"/>: a pair or label step that failed after its
/// retries becomes <see cref="ComparisonStepFailed"/> on the comparison's stream, unless the step did succeed.
/// </summary>
public abstract class ComparisonFaultConsumer<TCommand>(StepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock, string role)
    : IConsumer<Fault<TCommand>> where TCommand : class, IPairCommand
{
    public async Task Consume(ConsumeContext<Fault<TCommand>> context)
    {
        var command = context.Message.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var step = RlDecider.StepOf(command);
        var error = context.Message.Exceptions.FirstOrDefault();
        await steps.ExecuteAsync<ComparisonState>(context, command.PairId, StepNames.Failed(step),
            state => RlDecider.Decide(state, command).ForFailure(),
            (state, _) => Task.FromResult<IReadOnlyList<object>>([
                new ComparisonStepFailed(state.Id, step, error?.ExceptionType ?? "unknown", error?.Message ?? "no exception information",
                    run.Provenance(state, StepNames.Failed(step), command.CausationId, role, worker, null, null, null, null, clock,
                        run.Configuration.Feedback?.FeedbackTemplateVersion)),
            ]), RlDecider.NextCommand);
    }
}
