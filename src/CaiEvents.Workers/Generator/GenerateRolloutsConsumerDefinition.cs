using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

public sealed class GenerateRolloutsConsumerDefinition(IOptions<GeneratorOptions> options)
    : StepConsumerDefinition<GenerateRolloutsConsumer, GeneratorOptions>(options, CommandQueues.GenerateRollouts);
