using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

/// <summary>Writes the initial response to a sample's prompt (<see cref="ResponseGenerated"/>).</summary>
public sealed class GenerateResponseConsumer(SampleStepExecutor steps, RunContextCache runs, IModelProvider models, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<GenerateResponse>
{
    public async Task Consume(ConsumeContext<GenerateResponse> context)
    {
        var command = context.Message;
        var run = await runs.GetAsync(command.RunId, context.CancellationToken);
        await steps.ExecuteAsync(context, run, command.SampleId, StepNames.Response, SlDecider.DecideResponse, async (state, ct) =>
        {
            var model = models.Get(run.Configuration.GeneratorModel);
            var prompt = PromptFormat.RenderResponsePrompt(state.Prompt);
            var sampling = run.Configuration.GeneratorSampling with { StopSequences = PromptFormat.StopSequences };
            var seed = Seeds.Derive(run.Configuration.Seed, state.Id, StepNames.Response);
            var generated = (await model.GenerateAsync([new(prompt, sampling, seed)], ct))[0];
            return [new ResponseGenerated(state.Id, prompt, PromptFormat.CutAtTurnMarker(generated.Text),
                run.Provenance(state, StepNames.Response, command.CausationId, WorkerRoles.Generator, worker, model.Identity, null, sampling, seed, clock))];
        });
    }
}

public sealed class GenerateResponseConsumerDefinition : ConsumerDefinition<GenerateResponseConsumer>
{
    private readonly GeneratorOptions _options;

    public GenerateResponseConsumerDefinition(IOptions<GeneratorOptions> options)
    {
        _options = options.Value;
        EndpointName = CommandQueues.GenerateResponse;
        ConcurrentMessageLimit = _options.Concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<GenerateResponseConsumer> consumerConfigurator, IRegistrationContext context) =>
        StepEndpointPolicy.Apply(endpointConfigurator, context, _options);
}

/// <summary>Records a response step that failed after its retries.</summary>
public sealed class GenerateResponseFaultConsumer(SampleStepExecutor steps, RunContextCache runs, WorkerIdentity worker, TimeProvider clock)
    : StepFaultConsumer<GenerateResponse>(steps, runs, worker, clock)
{
    protected override string Role => WorkerRoles.Generator;
    protected override Guid RunId(GenerateResponse command) => command.RunId;
    protected override Guid SampleId(GenerateResponse command) => command.SampleId;
    protected override Guid CausationId(GenerateResponse command) => command.CausationId;
    protected override string StepName(GenerateResponse command) => StepNames.Response;
    protected override StepDecision Decide(SampleState state, GenerateResponse command, int revisions) => SlDecider.DecideResponse(state);
}

public static class GeneratorRole
{
    public static void AddGenerator(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<GenerateResponseConsumer, GenerateResponseConsumerDefinition>();
        bus.AddConsumer<GenerateResponseFaultConsumer>();
    }
}
