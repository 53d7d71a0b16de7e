using CaiEvents.Contracts.Commands;
using MassTransit;

namespace CaiEvents.Workers.Common;

/// <summary>Sends a command to its role's queue (<see cref="CommandQueues"/>): the one way a job or a step is asked for.</summary>
public static class CommandSending
{
    public static async Task SendCommandAsync<TCommand>(this ISendEndpointProvider provider, TCommand command, CancellationToken ct)
        where TCommand : class
    {
        var endpoint = await provider.GetSendEndpoint(CommandQueues.AddressFor(command));
        await endpoint.Send(command, ct);
    }
}
