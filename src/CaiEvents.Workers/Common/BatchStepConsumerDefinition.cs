using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Common;

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
        if (_options.BatchTimeLimitMs < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.BatchTimeLimitMs,
            $"Workers:{role}:BatchTimeLimitMs must be at least 1");
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
