using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

public sealed class GenerateResponseConsumerDefinition(IOptions<GeneratorOptions> options)
    : StepConsumerDefinition<GenerateResponseConsumer, GeneratorOptions>(options, CommandQueues.GenerateResponse);
