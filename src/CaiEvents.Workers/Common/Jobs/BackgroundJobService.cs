using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaiEvents.Workers.Common.Jobs;

/// <summary>
/// Runs unfinished jobs, one at a time, oldest first. A job is claimed with a PostgreSQL session advisory lock on a
/// dedicated connection, held while it runs: two processes never run the same job, and when a process dies
/// (kill -9) its connection closes, the lock is released, and another (or a restarted) process resumes the job
/// from its last checkpoint event.
/// </summary>
public sealed class BackgroundJobService(
    IEnumerable<IBackgroundJobRunner> runners, IDocumentStore store, JobSignal signal,
    Microsoft.Extensions.Options.IOptions<BackgroundJobOptions> options, ILogger<BackgroundJobService> log) : BackgroundService
{
    private readonly Dictionary<string, IBackgroundJobRunner> _runners = runners.ToDictionary(r => r.Kind, StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var kinds = _runners.Keys.ToList();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await RunOneAsync(kinds, stoppingToken)) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "background job failed; it stays unfinished and is retried");
            }
            try
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(options.Value.PollIntervalMs), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Claims and runs the oldest unfinished job nobody else holds; false when there is none.</summary>
    private async Task<bool> RunOneAsync(IReadOnlyList<string> kinds, CancellationToken ct)
    {
        IReadOnlyList<JobRecord> pending;
        await using (var query = store.QuerySession())
            pending = (await query.Query<JobRecord>().Where(j => j.Finished == false).ToListAsync(ct))
                .Where(j => kinds.Contains(j.Kind)).OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).ToList();
        foreach (var job in pending)
        {
            await using var connection = (NpgsqlConnection)store.Storage.Database.CreateConnection();
            await connection.OpenAsync(ct);
            if (!await TryLockAsync(connection, job.Id, ct)) continue;
            log.LogInformation("running {Kind} job {JobId}", job.Kind, job.Id);
            await _runners[job.Kind].RunAsync(job.Id, ct);
            return true; // the lock goes with the connection
        }
        return false;
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, Guid jobId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", LockKey(jobId));
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The advisory-lock key of a job: the first 8 bytes of its id.</summary>
    public static long LockKey(Guid jobId) => BitConverter.ToInt64(jobId.ToByteArray(), 0);
}
