using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Labeller;

/// <summary>The Labeller's queue, retry and outbox (per message, as for every step), plus its batch limits.</summary>
public sealed class LabelPreferenceConsumerDefinition : BatchStepConsumerDefinition<LabelPreferenceConsumer, LabellerOptions>
{
    public LabelPreferenceConsumerDefinition(IOptions<LabellerOptions> options) : base(options, CommandQueues.LabelPreference, "Labeller") =>
        OptionMassCheck.Validate(options.Value.MinOptionMass);
}
