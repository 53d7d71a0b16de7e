using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;

namespace CaiEvents.Workers.Generator;

/// <summary>Writes the initial response to a sample's prompt (<see cref="ResponseGenerated"/>).</summary>
public sealed class GenerateResponseConsumer(StepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<GenerateResponse>
{
    public async Task Consume(ConsumeContext<GenerateResponse> context)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        await steps.ExecuteAsync<SampleState>(context, command.SampleId, StepNames.Response, SlDecider.DecideResponse, async (state, ct) =>
        {
            var model = models.Get(run.Configuration.GeneratorModel);
            var prompt = RolePrompts.Response(model.ChatTemplate, state.Prompt);
            var generated = await StepGeneration.RunAsync(model, run, Seeds.SampleKey(state.Index), StepNames.Response, prompt,
                run.Configuration.GeneratorSampling, ct);
            return [new ResponseGenerated(state.Id, prompt, RolePrompts.Cut(model.ChatTemplate, generated.Text),
                run.Provenance(state, StepNames.Response, command.CausationId, WorkerRoles.Generator, worker, generated, null, clock))];
        }, run.NextSlCommand);
    }
}
