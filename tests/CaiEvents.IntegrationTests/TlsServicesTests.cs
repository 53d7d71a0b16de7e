using CaiEvents.EventStore;
using CaiEvents.Hosting;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// PostgreSQL and RabbitMQ started TLS-only on loopback (<c>infra/services.sh up --tls</c>: a CA and server certificate
/// generated into the private state folder, <c>ssl = on</c> with hostssl-only logins, <c>listeners.tcp = none</c>): a run
/// whose roles talk over AMQP completes with the settings <c>services.sh env</c> prints, and plain connections are refused.
/// </summary>
[Collection(nameof(FaultCollection))]
[Trait("Category", "Tls")]
public class TlsServicesTests
{
    private const int Prompts = 3;

    [Fact]
    public async Task A_run_completes_over_TLS_only_AMQP_and_PostgreSQL_and_plain_connections_are_refused()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = deadline.Token;
        await using var services = await PrivateServices.StartAsync(ct, tls: true);
        var env = services.ProcessEnvironment.ToDictionary();
        Assert.Equal("true", env["RabbitMq__Tls__Enabled"]);
        Assert.Contains("SSL Mode=VerifyFull", env["ConnectionStrings__EventStore"], StringComparison.Ordinal);

        var dir = Directory.CreateTempSubdirectory("cai-tls-run-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, Prompts).Select(i => $"{{\"prompt\": \"TLS prompt {i}\", \"id\": \"tls-{i}\"}}"), ct);
            // --transport rabbitmq: every command and event notification of the run crosses the broker's TLS listener.
            var run = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(4), "run", "--transport", "rabbitmq", "--prompts", prompts,
                "--model", "builtin:echo", "--revisions", "1", "--max-new-tokens", "8", "--pairs", "--principles", "1", "--seed", "7");
            Assert.True(run.ExitCode == 0, $"cai run over TLS exited {run.ExitCode}: {run.Stderr}");
            Assert.Contains($"Run completed: {Prompts * 2} item(s) finalised (SL examples and labels), 0 failed.", run.Stderr, StringComparison.Ordinal);
            var runId = Guid.Parse(run.Stdout.Trim().Split('\n')[^1].Trim());

            // The run as the event store holds it, read back through Marten over a verified TLS connection.
            await using var store = EventStoreSetup.CreateStore(new EventStoreOptions { ConnectionString = services.ConnectionString, Schema = "cai" });
            await using var session = store.QuerySession();
            var state = (await RunQueries.LoadRunAsync(session, runId, ct))!;
            Assert.True(state.Completed);
            Assert.Equal(2 * Prompts, state.Finalized);
            Assert.Equal(0, state.Failed);
            Assert.Equal(Prompts, (await RunQueries.SamplesAsync(session, runId, ct)).Count);
            await using var connection = new NpgsqlConnection(services.ConnectionString);
            await connection.OpenAsync(ct);
            await using var ssl = new NpgsqlCommand("select ssl from pg_stat_ssl where pid = pg_backend_pid()", connection);
            Assert.True((bool)(await ssl.ExecuteScalarAsync(ct))!, "the test's own PostgreSQL connection is not encrypted");
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        // PostgreSQL: a login without TLS has no pg_hba.conf entry.
        var plainPg = new NpgsqlConnectionStringBuilder(services.ConnectionString) { SslMode = SslMode.Disable, RootCertificate = null }.ConnectionString;
        await using (var plain = new NpgsqlConnection(plainPg))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => plain.OpenAsync(ct));
            Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, refused.SqlState);
            Assert.Contains("no encryption", refused.MessageText, StringComparison.Ordinal);
        }

        // RabbitMQ: the TLS settings connect; plain AMQP on the same port and a certificate name that does not match do not.
        var rabbit = new RabbitMqOptions
        {
            Host = env["RabbitMq__Host"], Port = int.Parse(env["RabbitMq__Port"]), Username = env["RabbitMq__Username"], Password = env["RabbitMq__Password"],
            Tls = new RabbitMqTlsOptions { Enabled = true, ServerName = env["RabbitMq__Tls__ServerName"], CaCertificate = env["RabbitMq__Tls__CaCertificate"] },
        };
        await ServiceReadiness.EnsureRabbitMqAsync(rabbit, ct, attempts: 1);
        await Assert.ThrowsAsync<ServiceUnreachableException>(() =>
            ServiceReadiness.EnsureRabbitMqAsync(rabbit with { Tls = new RabbitMqTlsOptions() }, ct, attempts: 1));
        var wrongName = await Assert.ThrowsAsync<ServiceUnreachableException>(() =>
            ServiceReadiness.EnsureRabbitMqAsync(rabbit with { Tls = rabbit.Tls with { ServerName = "not-the-broker.example" } }, ct, attempts: 1));
        Assert.StartsWith("TLS with RabbitMQ at amqps://", wrongName.Message, StringComparison.Ordinal);
    }
}
