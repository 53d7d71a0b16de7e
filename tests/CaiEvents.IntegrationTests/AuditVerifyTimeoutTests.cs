using CaiEvents.EventStore.Integrity;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// <c>audit verify</c> streams a run's rows from one ordered query whose first row can take longer than the connection's
/// command timeout (at 200,000 samples PostgreSQL sorts 1.4 million events first). Here a lock held for 3 s makes that
/// query wait, under a connection string whose command timeout is 1 s: the verification must wait, not fail.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class AuditVerifyTimeoutTests
{
    [Fact]
    public async Task A_run_verification_waits_for_its_first_row_beyond_the_command_timeout()
    {
        await using var services = await TestServices.StartAsync();
        Guid runId;
        using (var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq))
        {
            await using var scope = submitter.Services.CreateAsyncScope();
            runId = await scope.ServiceProvider.GetRequiredService<RunSubmitter>().WriteAsync(Harness.Request(Harness.Prompts(5), revisions: 1), "test", default);
        }
        var impatient = services.EventStore with
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(services.EventStore.ConnectionString) { CommandTimeout = 1 }.ConnectionString,
        };

        await using var locker = new NpgsqlConnection(services.EventStore.ConnectionString);
        await locker.OpenAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"lock table {services.EventStore.Schema}.mt_doc_samplestate in access exclusive mode", locker, transaction))
            await take.ExecuteNonQueryAsync();
        var verifying = ChainVerifier.VerifyAsync(impatient, runId, default);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(verifying.IsCompleted, "the verification finished while the sample table was locked");
        await transaction.RollbackAsync();

        var report = await verifying;
        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.Equal(runId, report.RunId);
        Assert.Equal(1 + 5, report.Streams); // the run and its samples
    }
}
