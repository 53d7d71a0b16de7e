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
    public override string ToString() => $"{(Tls.Enabled ? "amqps" : "amqp")}://{Username}@{Host}:{Port}{(VirtualHost.StartsWith('/') ? "" : "/")}{VirtualHost}";
}
