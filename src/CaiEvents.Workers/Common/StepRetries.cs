using MassTransit;

namespace CaiEvents.Workers.Common;

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
