using CaiEvents.Contracts.Commands;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace CaiEvents.Hosting;

/// <summary>
/// Declares every command queue, with the configured type, before the bus starts: exchange X (fanout, durable), queue X
/// bound to it, as MassTransit's receive endpoint X declares them. Commands are sent to exchange X
/// (<see cref="CommandQueues.AddressFor"/>), so the sender no longer declares the queue itself: MassTransit would declare it
/// without <c>x-queue-type</c>, which RabbitMQ refuses for a quorum queue ("inequivalent arg 'x-queue-type'") and which
/// would make a queue a sender creates first a classic one. A run submitted before any worker starts still waits in its queues.
/// </summary>
public sealed class CommandQueueTopology(RabbitMqOptions rabbit) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoints = BrokerTls.AmqpEndpoints(rabbit);
        var factory = new ConnectionFactory
        {
            VirtualHost = rabbit.VirtualHost,
            UserName = rabbit.Username,
            Password = rabbit.Password,
            ClientProvidedName = "cai-command-queues",
        };
        var arguments = rabbit.EffectiveQueueType() == RabbitMqQueueType.Quorum
            ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }
            : null;
        await using var connection = await factory.CreateConnectionAsync(endpoints, cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        foreach (var queue in CommandQueues.All)
        {
            await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            try
            {
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments,
                    cancellationToken: cancellationToken);
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason is { ReplyCode: 406 })
            {
                // An existing queue keeps its type; RabbitMQ cannot change it in place.
                throw new ConfigurationInvalidException($"RabbitMq:QueueType is {rabbit.EffectiveQueueType().ToString().ToLowerInvariant()}, but queue "
                    + $"'{queue}' in virtual host '{rabbit.VirtualHost}' exists with another type (drain and delete the queues to change it: "
                    + "docs/running-at-scale.md, RabbitMQ cluster and quorum queues)");
            }
            await channel.QueueBindAsync(queue, queue, "", cancellationToken: cancellationToken);
        }
        await channel.CloseAsync(cancellationToken);
        await connection.CloseAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
