using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Reviser;

public sealed class RevisionConsumerDefinition(IOptions<ReviserOptions> options)
    : StepConsumerDefinition<RevisionConsumer, ReviserOptions>(options, CommandQueues.Revision);
