using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>The RL labelling stage's failures: a failed pair or label step becomes <see cref="ComparisonStepFailed"/> on the comparison's stream.</summary>
public sealed class ComparisonFailureRecorder(StepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : IStepFailureRecorder<IPairCommand>
{
    public async Task RecordAsync(ConsumeContext context, IPairCommand command, ExceptionInfo? error, string role)
    {
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var step = RlDecider.StepOf(command);
        await steps.ExecuteAsync<ComparisonState>(context, command.PairId, StepNames.Failed(step),
            state => RlDecider.Decide(state, command).ForFailure(),
            (state, _) => Task.FromResult<IReadOnlyList<object>>([
                new ComparisonStepFailed(state.Id, step, error?.ExceptionType ?? "unknown", error?.Message ?? "no exception information",
                    run.Provenance(state, StepNames.Failed(step), command.CausationId, role, worker, null, null, null, null, clock,
                        run.Configuration.Feedback?.FeedbackTemplateVersion)),
            ]), RlDecider.NextCommand);
    }
}
