using System.Net.Http.Headers;
using System.Text;

namespace CaiEvents.Hosting;

public enum TransportKind { InMemory, RabbitMq }

/// <summary>RabbitMQ connection, bound from the "RabbitMq" section (./cai fills it from the local services' env).</summary>
public sealed record RabbitMqOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 5672;
    public int ManagementPort { get; init; } = 15672;
    public string VirtualHost { get; init; } = "/";
    public string Username { get; init; } = "";
    public string Password { get; init; } = "";
    /// <summary>AMQP over TLS ("RabbitMq:Tls"); off by default, as on loopback.</summary>
    public RabbitMqTlsOptions Tls { get; init; } = new();

    /// <summary>
    /// The nodes of a RabbitMQ cluster, each "host:port" (<c>RabbitMq:Hosts:0</c>, ...). Empty: the single node
    /// <see cref="Host"/>:<see cref="Port"/>. Workers connect to the first that answers and move to another when their node goes.
    /// </summary>
    public string[] Hosts { get; init; } = [];

    /// <summary><c>quorum</c> or <c>classic</c>; unset: quorum when <see cref="Hosts"/> names more than one node, else classic.</summary>
    public string? QueueType { get; init; }

    /// <summary>The AMQP endpoints to connect through, in order: <see cref="Hosts"/>, else <see cref="Host"/>:<see cref="Port"/>.</summary>
    public IReadOnlyList<RabbitMqEndpoint> Endpoints()
    {
        if (Hosts.Length == 0) return [new RabbitMqEndpoint(Host, Port)];
        return Hosts.Select((entry, i) =>
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry[(colon + 1)..], out var port) || port is < 1 or > 65535)
                throw new ConfigurationInvalidException($"RabbitMq:Hosts:{i} must be host:port, got '{entry}'");
            return new RabbitMqEndpoint(entry[..colon], port);
        }).ToList();
    }

    /// <summary>The type of the command and fault queues: <see cref="QueueType"/>, or its default for the number of nodes.</summary>
    public RabbitMqQueueType EffectiveQueueType() => QueueType?.Trim().ToLowerInvariant() switch
    {
        null or "" => Hosts.Length > 1 ? RabbitMqQueueType.Quorum : RabbitMqQueueType.Classic,
        "quorum" => RabbitMqQueueType.Quorum,
        "classic" => RabbitMqQueueType.Classic,
        _ => throw new ConfigurationInvalidException($"RabbitMq:QueueType must be quorum or classic, got '{QueueType}'"),
    };

    /// <summary>Base address of the broker's management HTTP API.</summary>
    public Uri ManagementApi => new($"http://{Host}:{ManagementPort}/api/");

    /// <summary>A client for the management HTTP API, authenticated as <see cref="Username"/>.</summary>
    public HttpClient CreateManagementClient(TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = ManagementApi, Timeout = timeout };
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));
        return client;
    }

    /// <summary>For messages and logs: never includes the password.</summary>
    public override string ToString() => Hosts.Length == 0
        ? $"{Scheme}://{Username}@{Host}:{Port}{VirtualHostPath}"
        : $"{Scheme}://{Username}@{string.Join(',', Hosts)}{VirtualHostPath}";

    private string Scheme => Tls.Enabled ? "amqps" : "amqp";
    private string VirtualHostPath => (VirtualHost.StartsWith('/') ? "" : "/") + VirtualHost;
}
