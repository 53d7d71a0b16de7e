using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Critic;

public sealed class CritiqueConsumerDefinition(IOptions<CriticOptions> options)
    : StepConsumerDefinition<CritiqueConsumer, CriticOptions>(options, CommandQueues.Critique);
