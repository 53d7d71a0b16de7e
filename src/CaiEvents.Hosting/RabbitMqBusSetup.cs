using MassTransit;

namespace CaiEvents.Hosting;

/// <summary>
/// How the bus reaches RabbitMQ and what its queues are: one node, or a cluster's node list (MassTransit's
/// <c>UseCluster</c>: a connection that breaks is reopened on the next node that answers), and quorum queues for every
/// consumer endpoint (the command and fault queues) when <see cref="RabbitMqOptions.EffectiveQueueType"/> says so.
/// </summary>
public static class RabbitMqBusSetup
{
    public static void UsingCaiRabbitMq(this IBusRegistrationConfigurator bus, RabbitMqOptions rabbit)
    {
        // Read (and checked) here, while the host is built, so a bad setting is one error line before anything starts.
        var endpoints = rabbit.Endpoints();
        if (rabbit.EffectiveQueueType() == RabbitMqQueueType.Quorum)
        {
            // Replicated over the cluster (all its nodes, the default group size), so the queue and its messages survive
            // the loss of a minority of the nodes; the leader moves to a survivor.
            bus.AddConfigureEndpointsCallback((_, endpoint) =>
            {
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbitEndpoint) rabbitEndpoint.SetQuorumQueue();
            });
        }
        bus.UsingRabbitMq((context, cfg) =>
        {
            cfg.Host(endpoints[0].Host, (ushort)endpoints[0].Port, rabbit.VirtualHost, h =>
            {
                h.Username(rabbit.Username);
                h.Password(rabbit.Password);
                if (rabbit.Tls.Enabled) h.UseSsl(ssl => BrokerTls.Apply(ssl, rabbit));
                if (endpoints.Count > 1) h.UseCluster(cluster => { foreach (var node in endpoints) cluster.Node(node.ToString()); });
            });
            cfg.ConfigureEndpoints(context);
        });
    }
}
