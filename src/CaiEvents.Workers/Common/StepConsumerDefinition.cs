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

/// <summary>
/// The retry policy of every consumer endpoint (steps and their fault consumers). One MassTransit retry layer: the
/// message stays unacknowledged in RabbitMQ while it is retried in the process, so a worker killed meanwhile loses
/// nothing (the broker redelivers it to another worker), and the default jittered exponential schedule (about 50 s
/// in all) outlasts a PostgreSQL or RabbitMQ restart. Only when it is spent does the message go to the
/// <c>&lt;queue&gt;_error</c> queue and <c>Fault&lt;T&gt;</c> become a failure event.
/// </summary>
/// <remarks>
/// Not used on purpose: MassTransit's delayed redelivery. On RabbitMQ it needs the delayed-message-exchange plugin
/// (not shipped by Debian's rabbitmq-server nor enabled in docker-compose.yml) or a durable scheduler (Quartz or
/// Hangfire with a database of its own); the in-memory scheduler acknowledges the message before the redelivery is
/// due, so a kill -9 would lose it.
/// </remarks>
public static class StepRetries
{
    public static void Configure(IReceiveEndpointConfigurator endpoint, WorkerRoleOptions options) =>
        endpoint.UseMessageRetry(r =>
        {
            if (options.RetryIntervalsMs.Length > 0) r.Intervals(options.RetryIntervalsMs);
            else r.Exponential(options.RetryLimit, TimeSpan.FromMilliseconds(options.RetryMinMs), TimeSpan.FromMilliseconds(options.RetryMaxMs),
                TimeSpan.FromMilliseconds(options.RetryDeltaMs));
        });
}

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
