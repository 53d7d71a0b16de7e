namespace CaiEvents.Hosting;

/// <summary>One broker node's AMQP listener.</summary>
public sealed record RabbitMqEndpoint(string Host, int Port)
{
    /// <summary>"host:port" as MassTransit's cluster node list takes it.</summary>
    public override string ToString() => $"{Host}:{Port}";
}
