using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

/// <summary>The Generator's pair queue, retry and outbox (per message, as for every step), plus its batch limits.</summary>
public sealed class GenerateResponsePairConsumerDefinition(IOptions<GeneratorOptions> options)
    : BatchStepConsumerDefinition<GenerateResponsePairConsumer, GeneratorOptions>(options, CommandQueues.GenerateResponsePair, "Generator");
