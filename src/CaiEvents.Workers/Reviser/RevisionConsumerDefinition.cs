using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Reviser;

public sealed class RevisionConsumerDefinition(IOptions<ReviserOptions> options)
    : StepConsumerDefinition<RevisionConsumer, ReviserOptions>(options, CommandQueues.Revision);
