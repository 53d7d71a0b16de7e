using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.EventStore;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PPOLearner;

public sealed class TrainPolicyConsumerDefinition(IOptions<PPOLearnerOptions> options)
    : StepConsumerDefinition<TrainPolicyConsumer, PPOLearnerOptions>(options, CommandQueues.TrainPolicy);
