using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>The SL stage's failures: a failed step becomes <see cref="SampleStepFailed"/> on the sample's stream.</summary>
public sealed class SampleFailureRecorder(StepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : IStepFailureRecorder<ISampleCommand>
{
    public async Task RecordAsync(ConsumeContext context, ISampleCommand command, ExceptionInfo? error, string role)
    {
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        var (step, round) = SlDecider.StepOf(command);
        await steps.ExecuteAsync<SampleState>(context, command.SampleId, StepNames.Failed(step),
            state => SlDecider.Decide(state, command, run.Configuration.Revisions).ForFailure(),
            (state, _) => Task.FromResult<IReadOnlyList<object>>([
                new SampleStepFailed(state.Id, step, round,
                    error?.ExceptionType ?? "unknown", error?.Message ?? "no exception information",
                    run.Provenance(state, StepNames.Failed(step), command.CausationId, role, worker, null, null, null, null, clock)),
            ]), run.NextSlCommand);
    }
}
