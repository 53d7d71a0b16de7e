using CaiEvents.Domain;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CaiEvents.Workers.Common.Jobs;

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
    public static async Task<bool> TryStartAsync(IDocumentStore store, Guid jobId, string kind, object firstEvent, DateTimeOffset now, bool finished,
        CancellationToken ct)
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

    /// <summary>
    /// Records a job whose stream exists without a <see cref="JobRecord"/> (started by a process that ran it itself, as <c>cai sft</c>
    /// does) as unfinished, so the job service picks it up: its runner resumes it, or marks it finished when it already is.
    /// Nothing happens when the stream does not exist or the job is recorded.
    /// </summary>
    public static async Task AdoptAsync(IDocumentStore store, Guid jobId, string kind, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<JobRecord>(jobId, ct) is not null) return;
        if (await session.Events.FetchStreamStateAsync(jobId, ct) is not { } stream) return;
        session.Store(new JobRecord { Id = jobId, Kind = kind, Finished = false, CreatedAt = stream.Created });
        await session.SaveChangesAsync(ct);
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
