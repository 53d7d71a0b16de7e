using System.Net.Http.Headers;
using System.Text;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// The real PostgreSQL and RabbitMQ that ./cai test starts, isolated per test: each instance gets its
/// own PostgreSQL schema and its own RabbitMQ virtual host (created through the management API), both
/// removed on dispose. Missing settings fail the test loudly: these tests never fall back to fakes.
/// </summary>
public sealed class TestServices : IAsyncDisposable
{
    public string ConnectionString { get; }
    public string Schema { get; } = $"t_{Guid.NewGuid():N}"[..20];
    public string VirtualHost { get; } = $"cai-test-{Guid.NewGuid():N}"[..21];
    public RabbitMqOptions Rabbit { get; }
    private readonly HttpClient _management;

    private TestServices(string connectionString, RabbitMqOptions rabbit)
    {
        ConnectionString = connectionString;
        Rabbit = rabbit with { VirtualHost = VirtualHost };
        _management = new HttpClient { BaseAddress = new Uri($"http://{rabbit.Host}:{rabbit.ManagementPort}/api/") };
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{rabbit.Username}:{rabbit.Password}")));
    }

    public static async Task<TestServices> StartAsync()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var connectionString = configuration.GetConnectionString("EventStore")
            ?? throw new InvalidOperationException("ConnectionStrings__EventStore is not set: run the tests through ./cai test, which starts PostgreSQL and RabbitMQ");
        var rabbit = configuration.GetSection("RabbitMq").Get<RabbitMqOptions>();
        if (rabbit is null || string.IsNullOrEmpty(rabbit.Password))
            throw new InvalidOperationException("RabbitMq__* settings are not set: run the tests through ./cai test");
        var services = new TestServices(connectionString, rabbit);
        var put = await services._management.PutAsync($"vhosts/{Uri.EscapeDataString(services.VirtualHost)}", null);
        put.EnsureSuccessStatusCode();
        var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await services._management.PutAsync($"permissions/{Uri.EscapeDataString(services.VirtualHost)}/{Uri.EscapeDataString(rabbit.Username)}", permissions))
            .EnsureSuccessStatusCode();
        return services;
    }

    public EventStoreOptions EventStore => new() { ConnectionString = ConnectionString, Schema = Schema };

    /// <summary>Configuration for a host in this test: its schema, its vhost, fast retries.</summary>
    public IConfiguration HostConfiguration(params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:EventStore"] = ConnectionString,
            ["EventStore:Schema"] = Schema,
            ["RabbitMq:Host"] = Rabbit.Host,
            ["RabbitMq:Port"] = Rabbit.Port.ToString(),
            ["RabbitMq:VirtualHost"] = VirtualHost,
            ["RabbitMq:Username"] = Rabbit.Username,
            ["RabbitMq:Password"] = Rabbit.Password,
        };
        foreach (var role in new[] { "Generator", "Critic", "Reviser", "Labeller" })
        {
            values[$"Workers:{role}:RetryIntervalsMs:0"] = "50";
            values[$"Workers:{role}:RetryIntervalsMs:1"] = "100";
        }
        foreach (var (key, value) in extra) values[key] = value;
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>Messages ready or unacknowledged in this test's virtual host (all queues).</summary>
    public async Task<long> PendingMessagesAsync()
    {
        var json = await _management.GetStringAsync($"queues/{Uri.EscapeDataString(VirtualHost)}?columns=name,messages");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray()
            .Where(q => !q.GetProperty("name").GetString()!.EndsWith("_error", StringComparison.Ordinal))
            .Sum(q => q.TryGetProperty("messages", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Number ? m.GetInt64() : 0);
    }

    /// <summary>The queue of every consumer in this test's virtual host (one entry per consumer).</summary>
    public async Task<IReadOnlyList<string>> ConsumerQueuesAsync()
    {
        var json = await _management.GetStringAsync($"consumers/{Uri.EscapeDataString(VirtualHost)}");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(c => c.GetProperty("queue").GetProperty("name").GetString()!).ToList();
    }

    /// <summary>Every virtual host of the broker (not only this test's).</summary>
    public async Task<IReadOnlyList<string>> VirtualHostNamesAsync()
    {
        var json = await _management.GetStringAsync("vhosts?columns=name");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToList();
    }

    /// <summary>Every schema of the database (not only this test's).</summary>
    public async Task<IReadOnlyList<string>> SchemaNamesAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select schema_name from information_schema.schemata", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    public async Task<IReadOnlyList<string>> QueueNamesAsync()
    {
        var json = await _management.GetStringAsync($"queues/{Uri.EscapeDataString(VirtualHost)}?columns=name");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToList();
    }

    /// <summary>
    /// The messages of one queue, read through the management API and put back (ack_requeue_true): each one's
    /// headers (as JSON) and payload.
    /// </summary>
    public async Task<IReadOnlyList<(System.Text.Json.JsonElement Headers, string Payload)>> PeekAsync(string queue, int count = 100)
    {
        var body = new StringContent($$"""{"count":{{count}},"ackmode":"ack_requeue_true","encoding":"auto"}""", Encoding.UTF8, "application/json");
        var response = await _management.PostAsync($"queues/{Uri.EscapeDataString(VirtualHost)}/{Uri.EscapeDataString(queue)}/get", body);
        response.EnsureSuccessStatusCode();
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.EnumerateArray()
            .Select(m => (m.GetProperty("properties").GetProperty("headers").Clone(), m.GetProperty("payload").GetString()!))
            .ToList();
    }

    /// <summary>Environment for a child `cai` process pointed at this test's schema and vhost.</summary>
    public IDictionary<string, string> ProcessEnvironment() => new Dictionary<string, string>
    {
        ["ConnectionStrings__EventStore"] = ConnectionString,
        ["EventStore__Schema"] = Schema,
        ["RabbitMq__VirtualHost"] = VirtualHost,
    };

    public async ValueTask DisposeAsync()
    {
        try { await _management.DeleteAsync($"vhosts/{Uri.EscapeDataString(VirtualHost)}"); } catch (HttpRequestException) { }
        _management.Dispose();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
