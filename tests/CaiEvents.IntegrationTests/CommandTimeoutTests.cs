using CaiEvents.EventStore.Integrity;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// PostgreSQL commands that outlast the connection's command timeout, made to wait by a lock on the sample table under a
/// connection string whose timeout is 1 s. <c>audit verify</c> streams a run's rows from one ordered query whose first row
/// can come after that timeout (at 200,000 samples PostgreSQL sorts 1.4 million events first): it must wait, not fail.
/// Any other command that times out says so in one line, not in Npgsql's words.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class CommandTimeoutTests
{
    [Fact]
    public async Task A_run_verification_waits_for_its_first_row_beyond_the_command_timeout()
    {
        await using var services = await TestServices.StartAsync();
        var runId = await WrittenRunAsync(services);
        var impatient = services.EventStore with
        {
            ConnectionString = Impatient(services.EventStore.ConnectionString),
        };

        await using var locker = await LockSamplesAsync(services);
        var verifying = ChainVerifier.VerifyAsync(impatient, runId, default);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(verifying.IsCompleted, "the verification finished while the sample table was locked");
        await locker.Transaction.RollbackAsync();

        var report = await verifying;
        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.Equal(runId, report.RunId);
        Assert.Equal(1 + 5, report.Streams); // the run and its samples
    }

    [Fact]
    public async Task A_status_that_times_out_says_so_in_one_line()
    {
        await using var services = await TestServices.StartAsync();
        var runId = await WrittenRunAsync(services);
        var environment = services.ProcessEnvironment();
        environment["ConnectionStrings__EventStore"] = Impatient(services.ConnectionString);

        await using var locker = await LockSamplesAsync(services);
        var result = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(1), "status", runId.ToString());
        await locker.Transaction.RollbackAsync();

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("error: PostgreSQL did not answer within the command timeout (Command Timeout in the connection string, 30 s by default)",
            result.Stderr.Trim());
    }

    private static string Impatient(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 1 }.ConnectionString;

    private static async Task<Guid> WrittenRunAsync(TestServices services)
    {
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        await using var scope = submitter.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RunSubmitter>().WriteAsync(Harness.Request(Harness.Prompts(5), revisions: 1), "test", default);
    }

    /// <summary>An open transaction holding an exclusive lock on the sample documents until it is rolled back.</summary>
    private static async Task<HeldLock> LockSamplesAsync(TestServices services)
    {
        var connection = new NpgsqlConnection(services.EventStore.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"lock table {services.EventStore.Schema}.mt_doc_samplestate in access exclusive mode", connection, transaction))
            await take.ExecuteNonQueryAsync();
        return new HeldLock(connection, transaction);
    }

    private sealed record HeldLock(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
