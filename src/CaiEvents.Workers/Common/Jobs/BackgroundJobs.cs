using CaiEvents.Domain;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaiEvents.Workers.Common.Jobs;

/// <summary>
/// Which job streams still need work: one document per job, written in the same transaction as the job's first
/// event and marked finished in the same transaction as its last one, so it never disagrees with the stream.
/// </summary>
public sealed class JobRecord
{
    public Guid Id { get; set; }
    public string Kind { get; set; } = "";
    public bool Finished { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Runs one kind of job from its stream. It must resume from whatever the stream already records, and append its last event together with <see cref="BackgroundJobs.MarkFinished"/>.</summary>
public interface IBackgroundJobRunner
{
    string Kind { get; }
    Task RunAsync(Guid jobId, CancellationToken ct);
}

/// <summary>
/// Long work (model training) started by a message but not run inside <c>Consume</c> (RabbitMQ would redeliver a
/// message held past its consumer timeout). The consumer starts the job's stream with <see cref="TryStartAsync"/>
/// and returns; <see cref="BackgroundJobService"/> in every process of the role picks unfinished jobs up.
/// </summary>
public static class BackgroundJobs
{
    /// <summary>
    /// Starts stream <paramref name="jobId"/> with <paramref name="firstEvent"/> and records the job; false (and nothing
    /// written) when the stream already exists, so a redelivered command is a no-op.
    /// </summary>
    public static async Task<bool> TryStartAsync(IDocumentStore store, Guid jobId, string kind, object firstEvent, DateTimeOffset now, bool finished, CancellationToken ct)
    {
        await using (var query = store.QuerySession())
        {
            if (await query.Events.FetchStreamStateAsync(jobId, ct) is not null) return false;
        }
        await using var session = store.LightweightSession();
        session.Events.StartStream(jobId, firstEvent);
        session.Store(new JobRecord { Id = jobId, Kind = kind, Finished = finished, CreatedAt = now });
        try
        {
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // A racing delivery may have started it first (a stream-id or version conflict): then this one is a no-op.
            await using var query = store.QuerySession();
            if (await query.Events.FetchStreamStateAsync(jobId, ct) is not null) return false;
            throw;
        }
    }

    /// <summary>
    /// What a job-starting consumer does: nothing new when the job's stream exists (a redelivery); otherwise it starts the
    /// stream with the first event <paramref name="started"/> builds, or, when the request cannot run (bad input:
    /// <see cref="ArgumentException"/> or <see cref="InputException"/>), with the one failure event <paramref name="failed"/>
    /// makes of the error message, recorded as a finished job. Either way the job service is woken.
    /// </summary>
    public static async Task StartFromCommandAsync(IDocumentStore store, JobSignal signal, Guid jobId, string kind,
        Func<DateTimeOffset, CancellationToken, Task<object>> started, Func<string, DateTimeOffset, object> failed, TimeProvider clock,
        CancellationToken ct)
    {
        await using (var query = store.QuerySession())
        {
            if (await query.Events.FetchStreamStateAsync(jobId, ct) is not null)
            {
                signal.Notify();
                return;
            }
        }
        var now = clock.GetUtcNow();
        object first;
        var finished = false;
        try
        {
            first = await started(now, ct);
        }
        catch (Exception e) when (e is ArgumentException or InputException)
        {
            first = failed(e.Message, now);
            finished = true;
        }
        await TryStartAsync(store, jobId, kind, first, now, finished, ct);
        signal.Notify();
    }

    /// <summary>Marks the job finished in <paramref name="session"/>, to be saved with the job's last event.</summary>
    public static void MarkFinished(IDocumentSession session, Guid jobId, string kind, DateTimeOffset createdAt) =>
        session.Store(new JobRecord { Id = jobId, Kind = kind, Finished = true, CreatedAt = createdAt });

    /// <summary>Registers the service that runs unfinished jobs of every registered <see cref="IBackgroundJobRunner"/>.</summary>
    public static IServiceCollection AddBackgroundJobs(this IServiceCollection services)
    {
        services.TryAddSingleton<JobSignal>();
        services.AddOptions<BackgroundJobOptions>().BindConfiguration("Workers:Jobs");
        if (services.All(d => d.ImplementationType != typeof(BackgroundJobService)))
            services.AddSingleton<IHostedService, BackgroundJobService>();
        return services;
    }
}

public sealed record BackgroundJobOptions
{
    /// <summary>How often to look for unfinished jobs without a signal (picks up jobs a dead process left behind).</summary>
    public int PollIntervalMs { get; set; } = 5000;
}

/// <summary>Wakes the job service when a consumer has just started a job in this process.</summary>
public sealed class JobSignal
{
    private readonly SemaphoreSlim _signal = new(0);

    public void Notify()
    {
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}

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
