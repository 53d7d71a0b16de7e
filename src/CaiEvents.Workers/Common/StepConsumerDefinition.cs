using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Common;

/// <summary>
/// The endpoint of an SL step consumer: its queue (see <see cref="Contracts.Commands.CommandQueues"/>), its
/// concurrency from the role's options, and the shared retry and outbox policy.
/// </summary>
public abstract class StepConsumerDefinition<TConsumer, TOptions> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
    where TOptions : WorkerRoleOptions
{
    private readonly TOptions _options;

    protected StepConsumerDefinition(IOptions<TOptions> options, string queue)
    {
        _options = options.Value;
        EndpointName = queue;
        ConcurrentMessageLimit = _options.Concurrency;
    }

    /// <summary>Unacknowledged messages the broker may hand this endpoint: the role's PrefetchCount, else its concurrency.</summary>
    protected virtual int Prefetch => Math.Max(1, _options.PrefetchCount ?? _options.Concurrency);

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // One process must not hold commands it cannot start yet: prefetch what it runs at once (see PrefetchCount).
        endpointConfigurator.PrefetchCount = Prefetch;
        StepRetries.Configure(endpointConfigurator, _options);
        // Sends are held until the consumer succeeds, so a step that throws after appending
        // sends nothing; its redelivery re-sends from the stream.
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
