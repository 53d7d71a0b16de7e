using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

public sealed class GenerateRolloutsConsumerDefinition(IOptions<GeneratorOptions> options)
    : StepConsumerDefinition<GenerateRolloutsConsumer, GeneratorOptions>(options, CommandQueues.GenerateRollouts);
