using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>Options every SL role shares. Bound per role from "Workers:&lt;Role&gt;".</summary>
public record WorkerRoleOptions
{
    /// <summary>Messages this role processes at once in this process.</summary>
    public int Concurrency { get; set; } = 2;
    /// <summary>Immediate retry intervals in milliseconds before the message faults.</summary>
    public int[] RetryIntervalsMs { get; set; } = [200, 1000, 3000];
}

/// <summary>The retry and outbox policy of every SL consumer endpoint, applied from its ConsumerDefinition.</summary>
public static class StepEndpointPolicy
{
    public static void Apply(IReceiveEndpointConfigurator endpoint, IRegistrationContext context, WorkerRoleOptions options)
    {
        endpoint.UseMessageRetry(r => r.Intervals(options.RetryIntervalsMs));
        // Sends are held until the consumer succeeds, so a step that throws after appending
        // sends nothing; its redelivery re-sends from the stream.
        endpoint.UseInMemoryOutbox(context);
    }
}
