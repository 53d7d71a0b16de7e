using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PPOLearner;

public sealed class TrainPolicyConsumerDefinition(IOptions<PPOLearnerOptions> options)
    : StepConsumerDefinition<TrainPolicyConsumer, PPOLearnerOptions>(options, CommandQueues.TrainPolicy);
