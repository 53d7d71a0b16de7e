using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

public sealed class GenerateResponseConsumerDefinition(IOptions<GeneratorOptions> options)
    : StepConsumerDefinition<GenerateResponseConsumer, GeneratorOptions>(options, CommandQueues.GenerateResponse);
