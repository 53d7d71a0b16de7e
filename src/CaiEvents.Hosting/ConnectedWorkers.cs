using System.Text.Json;
using CaiEvents.Contracts.Commands;

namespace CaiEvents.Hosting;

/// <summary>A consumer on a command queue: a worker process (or an in-process role of `cai run`) that may append events.</summary>
public sealed record ConnectedWorker(string Queue, string Connection);

/// <summary>
/// Which workers are connected to the broker's command queues right now, from the RabbitMQ management API's consumer list
/// (<c>GET /api/consumers/{vhost}</c>: it changes as soon as a connection opens or closes, unlike the per-queue consumer
/// counts, which are refreshed every few seconds). Used to refuse operations that must not race with writers.
/// </summary>
public static class ConnectedWorkers
{
    public static async Task<IReadOnlyList<ConnectedWorker>> ListAsync(RabbitMqOptions rabbit, CancellationToken ct)
    {
        var api = rabbit.ManagementApi;
        using var http = rabbit.CreateManagementClient(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await http.GetAsync($"consumers/{Uri.EscapeDataString(rabbit.VirtualHost)}", ct);
            if (!response.IsSuccessStatusCode)
                throw new ServiceUnreachableException($"RabbitMQ management API at {api} answered {(int)response.StatusCode} {response.ReasonPhrase} "
                    + $"for the consumers of virtual host '{rabbit.VirtualHost}'");
            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            return doc.RootElement.EnumerateArray()
                .Select(c => new ConnectedWorker(
                    c.GetProperty("queue").GetProperty("name").GetString() ?? "",
                    c.TryGetProperty("channel_details", out var channel) && channel.TryGetProperty("connection_name", out var name)
                        ? name.GetString() ?? "" : ""))
                .Where(c => CommandQueues.All.Contains(c.Queue))
                .OrderBy(c => c.Queue, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            throw new ServiceUnreachableException($"RabbitMQ management API at {api} unreachable: {e.Message.Split('\n')[0]}", e);
        }
    }
}
