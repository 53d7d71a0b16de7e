using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PMTrainer;

public sealed class TrainPreferenceModelConsumerDefinition(IOptions<PMTrainerOptions> options)
    : StepConsumerDefinition<TrainPreferenceModelConsumer, PMTrainerOptions>(options, CommandQueues.TrainPreferenceModel);
