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
        endpointConfigurator.UseMessageRetry(r => r.Intervals(_options.RetryIntervalsMs));
        // Sends are held until the consumer succeeds, so a step that throws after appending
        // sends nothing; its redelivery re-sends from the stream.
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}

/// <summary>Options of a role that consumes a command in batches.</summary>
public interface IBatchingOptions
{
    /// <summary>The most commands consumed (and sent to the model together) in one batch.</summary>
    int BatchSize { get; }
    /// <summary>How long a batch waits for more commands after its first one, in milliseconds.</summary>
    int BatchTimeLimitMs { get; }
}

/// <summary>A step consumer endpoint that takes its command in MassTransit batches (see <see cref="BatchSteps"/>).</summary>
public abstract class BatchStepConsumerDefinition<TConsumer, TOptions> : StepConsumerDefinition<TConsumer, TOptions>
    where TConsumer : class, IConsumer
    where TOptions : WorkerRoleOptions, IBatchingOptions
{
    private readonly TOptions _options;

    protected BatchStepConsumerDefinition(IOptions<TOptions> options, string queue, string role) : base(options, queue)
    {
        _options = options.Value;
        if (_options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.BatchSize, $"Workers:{role}:BatchSize must be at least 1");
        if (_options.BatchTimeLimitMs < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.BatchTimeLimitMs, $"Workers:{role}:BatchTimeLimitMs must be at least 1");
    }

    /// <summary>A batch can only fill if the broker hands over BatchSize × Concurrency messages.</summary>
    protected override int Prefetch => Math.Max(base.Prefetch, _options.BatchSize * _options.Concurrency);

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        base.ConfigureConsumer(endpointConfigurator, consumerConfigurator, context);
        // The batch options also raise the endpoint's prefetch and concurrent message limit to
        // BatchSize × Concurrency, so that a batch can fill before its time limit.
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(_options.BatchSize)
            .SetTimeLimit(TimeSpan.FromMilliseconds(_options.BatchTimeLimitMs))
            .SetConcurrencyLimit(_options.Concurrency));
    }
}
