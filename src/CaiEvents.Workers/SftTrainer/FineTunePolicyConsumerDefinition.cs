using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.SftTrainer;

/// <summary>The SftTrainer's queue, retry and outbox.</summary>
public sealed class FineTunePolicyConsumerDefinition(IOptions<SftTrainerOptions> options)
    : StepConsumerDefinition<FineTunePolicyConsumer, SftTrainerOptions>(options, CommandQueues.FineTunePolicy);
