using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

/// <summary>The Generator's pair queue, retry and outbox (per message, as for every step), plus its batch limits.</summary>
public sealed class GenerateResponsePairConsumerDefinition(IOptions<GeneratorOptions> options)
    : BatchStepConsumerDefinition<GenerateResponsePairConsumer, GeneratorOptions>(options, CommandQueues.GenerateResponsePair, "Generator");
