using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Critic;

public sealed class CritiqueConsumerDefinition(IOptions<CriticOptions> options)
    : StepConsumerDefinition<CritiqueConsumer, CriticOptions>(options, CommandQueues.Critique);
