using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Common;
using MassTransit;
using CaiEvents.Domain;
using CaiEvents.Domain.Constitutions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Labeller;

/// <summary>The Labeller's queue, retry and outbox (per message, as for every step), plus its batch limits.</summary>
public sealed class LabelPreferenceConsumerDefinition(IOptions<LabellerOptions> options)
    : BatchStepConsumerDefinition<LabelPreferenceConsumer, LabellerOptions>(options, CommandQueues.LabelPreference, "Labeller");
