using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PMTrainer;

public sealed class TrainPreferenceModelConsumerDefinition(IOptions<PMTrainerOptions> options)
    : StepConsumerDefinition<TrainPreferenceModelConsumer, PMTrainerOptions>(options, CommandQueues.TrainPreferenceModel);
