using System.Text;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Workers;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// An event-store schema and a RabbitMQ virtual host of its own (created through the management API), removed on dispose,
/// so that a benchmark neither sees nor leaves anything in the store and broker it shares with real runs.
/// </summary>
public sealed class BenchmarkEnvironment : IAsyncDisposable
{
    private readonly HttpClient _management;

    private BenchmarkEnvironment(IConfiguration configuration, string schema, string virtualHost, HttpClient management)
    {
        Configuration = configuration;
        Schema = schema;
        VirtualHost = virtualHost;
        _management = management;
        EventStore = CaiHost.EventStoreOptions(configuration) with { Schema = schema };
    }

    /// <summary>The caller's configuration with the schema and virtual host replaced by this environment's.</summary>
    public IConfiguration Configuration { get; }

    public EventStoreOptions EventStore { get; }

    public string Schema { get; }

    public string VirtualHost { get; }

    /// <summary>Environment for a child <c>cai worker</c> process in this benchmark's schema and virtual host.</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment => new Dictionary<string, string>
    {
        ["EventStore__Schema"] = Schema,
        ["RabbitMq__VirtualHost"] = VirtualHost,
    };

    /// <summary>SQL condition: the row belongs to a sample stream of the run in parameter <c>@run</c>.</summary>
    private string RunSampleStreams =>
        $"stream_id in (select stream_id from {Schema}.mt_events where type = 'prompt_submitted' and data->>'RunId' = @run)";

    /// <summary>Checks that PostgreSQL and RabbitMQ answer, then creates the virtual host (and its permissions) and names the schema.</summary>
    public static async Task<BenchmarkEnvironment> CreateAsync(IConfiguration configuration, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var id = Guid.NewGuid().ToString("N")[..10];
        var rabbit = CaiHost.RabbitMqOptions(configuration);
        await ServiceReadiness.EnsureEventStoreAsync(CaiHost.EventStoreOptions(configuration), ct);
        await ServiceReadiness.EnsureRabbitMqAsync(rabbit, ct);
        var management = rabbit.CreateManagementClient(TimeSpan.FromSeconds(10));
        var vhost = $"cai-bench-{id}";
        try
        {
            (await management.PutAsync($"vhosts/{Uri.EscapeDataString(vhost)}", null, ct)).EnsureSuccessStatusCode();
            using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
            var user = Uri.EscapeDataString(rabbit.Username);
            (await management.PutAsync($"permissions/{Uri.EscapeDataString(vhost)}/{user}", permissions, ct)).EnsureSuccessStatusCode();
        }
        catch (HttpRequestException e)
        {
            management.Dispose();
            throw new ServiceUnreachableException(
                $"the benchmark needs the RabbitMQ management API at {management.BaseAddress} to create its own virtual host: {e.Message}");
        }
        var overrides = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EventStore:Schema"] = $"bench_{id}",
            ["RabbitMq:VirtualHost"] = vhost,
        }).Build();
        return new BenchmarkEnvironment(overrides, $"bench_{id}", vhost, management);
    }

    /// <summary>Starts the given roles in this process, on RabbitMQ, in this environment.</summary>
    public async Task<IHost> StartHostAsync(IReadOnlyList<string> roles, int concurrency, CancellationToken ct)
    {
        var builder = WorkerHost.CreateBuilder(new HostPlan(roles, TransportKind.RabbitMq, concurrency), Configuration);
        var host = builder.Build();
        await host.StartAsync(ct);
        return host;
    }

    /// <summary>A store on this environment's schema, after checking that PostgreSQL answers.</summary>
    public async Task<DocumentStore> OpenStoreAsync(CancellationToken ct)
    {
        var options = CaiHost.EventStoreOptions(Configuration);
        await ServiceReadiness.EnsureEventStoreAsync(options, ct);
        return EventStoreSetup.CreateStore(options);
    }

    /// <summary>
    /// The schema's events, Marten's tombstones left out: a tombstone fills the sequence number of an append that failed
    /// (a lost concurrency race, which a loaded machine makes likelier), in a stream of its own, and is no event of any run.
    /// </summary>
    public async Task<long> CountEventsAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
        await connection.OpenAsync(ct);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {Schema}.mt_events WHERE type <> 'tombstone'", connection);
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The ids of the run's sample streams, in the order of their first event.</summary>
    public async Task<IReadOnlyList<Guid>> SampleStreamIdsAsync(Guid runId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select stream_id from {Schema}.mt_events where type = 'prompt_submitted' and data->>'RunId' = @run order by seq_id", connection);
        command.Parameters.AddWithValue("run", runId.ToString());
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    /// <summary>
    /// What a finished SL run holds: its sample streams, its <c>sl_example_finalized</c> events and the samples that have one,
    /// its failures, and the steps recorded more than once (one event type and round twice in a sample stream).
    /// </summary>
    public async Task<RunAccounting> AccountingAsync(Guid runId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            with s as (select stream_id from {Schema}.mt_events where type = 'prompt_submitted' and data->>'RunId' = @run),
                 e as (select e.stream_id, e.type, e.data->>'Round' as round from {Schema}.mt_events e join s using (stream_id))
            select (select count(*) from s),
                   (select count(*) from e where type = 'sl_example_finalized'),
                   (select count(distinct stream_id) from e where type = 'sl_example_finalized'),
                   (select count(*) from e where type = 'sample_step_failed'),
                   (select count(*) from (select 1 from e group by stream_id, type, round having count(*) > 1) d)
            """, connection);
        command.Parameters.AddWithValue("run", runId.ToString());
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new RunAccounting(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    /// <summary>Commit times of the run's sample events of one type (Marten's type name, e.g. critique_produced).</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> EventTimesAsync(Guid runId, string eventType, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select timestamp from {Schema}.mt_events
            where type = @type
              and {RunSampleStreams}
            """, connection);
        command.Parameters.AddWithValue("run", runId.ToString());
        command.Parameters.AddWithValue("type", eventType);
        var times = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) times.Add(reader.GetFieldValue<DateTimeOffset>(0));
        return times;
    }

    /// <summary>
    /// Where a run's time went, step by step: for each event type of its samples, the median and 90th percentile of
    /// the time since the previous event of the same sample (transaction timestamps), i.e. how long the command that
    /// produced it waited in its queue plus how long its step took.
    /// </summary>
    public async Task<string> StepGapsAsync(Guid runId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            with e as (
              select type, version,
                     extract(epoch from timestamp - lag(timestamp) over (partition by stream_id order by version)) * 1000 as gap
              from {Schema}.mt_events
              where {RunSampleStreams})
            select type || '@v' || version,
                   percentile_cont(0.5) within group (order by gap), percentile_cont(0.9) within group (order by gap)
            from e where gap is not null group by type, version order by version
            """, connection);
        command.Parameters.AddWithValue("run", runId.ToString());
        var parts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) parts.Add($"{reader.GetString(0)} {reader.GetDouble(1):0}/{reader.GetDouble(2):0}");
        return string.Join(", ", parts);
    }

    /// <summary>
    /// <c>COPY (SELECT data FROM schema.mt_events) TO STDOUT</c> (text format, as psql would run it) through Npgsql's
    /// raw text export, every character read and discarded; returns the UTF-8 byte count of what came back.
    /// </summary>
    public async Task<long> CopyEventDataAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
        await connection.OpenAsync(ct);
        using var reader = await connection.BeginTextExportAsync($"COPY (SELECT data FROM {Schema}.mt_events) TO STDOUT", ct);
        var buffer = new char[1 << 16];
        long bytes = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer, ct)) > 0) bytes += Encoding.UTF8.GetByteCount(buffer, 0, read);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        try { await _management.DeleteAsync($"vhosts/{Uri.EscapeDataString(VirtualHost)}"); } catch (HttpRequestException) { }
        _management.Dispose();
        await using var connection = new NpgsqlConnection(EventStore.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
