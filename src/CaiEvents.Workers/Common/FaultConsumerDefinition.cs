using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>
/// The endpoint of a fault consumer (which records a step's failure event): the same retry as the steps, so a
/// failure is still recorded when PostgreSQL restarts at that moment.
/// </summary>
public sealed class FaultConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    private static readonly WorkerRoleOptions Defaults = new();

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        StepRetries.Configure(endpointConfigurator, Defaults);
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
