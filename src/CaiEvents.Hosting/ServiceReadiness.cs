using System.Net.Sockets;
using CaiEvents.EventStore;
using Npgsql;
using Polly;
using Polly.Retry;

namespace CaiEvents.Hosting;

/// <summary>A backing service that could not be reached; the message is one line and never holds a password.</summary>
public sealed class ServiceUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Checks, before any work starts, that PostgreSQL and RabbitMQ answer, with a short jittered retry
/// (Polly) for services that are still starting. Wrong credentials are not retried.
/// </summary>
public static class ServiceReadiness
{
    private static ResiliencePipeline Pipeline(int attempts) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = attempts,
            Delay = TimeSpan.FromMilliseconds(300),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e is not PostgresException { SqlState: "28P01" or "28000" or "3D000" })
                                                 .Handle<SocketException>()
                                                 .Handle<TimeoutException>(),
        })
        .Build();

    public static async Task EnsureEventStoreAsync(EventStoreOptions options, CancellationToken ct, int attempts = 4)
    {
        var where = Describe(options.ConnectionString);
        try
        {
            await Pipeline(attempts).ExecuteAsync(async token =>
            {
                await using var connection = new NpgsqlConnection(options.ConnectionString);
                await connection.OpenAsync(token);
            }, ct);
        }
        catch (PostgresException e) when (e.SqlState is "28P01" or "28000")
        {
            throw new ServiceUnreachableException($"PostgreSQL at {where} rejected the credentials ({e.SqlState}: {e.MessageText})", e);
        }
        catch (PostgresException e)
        {
            throw new ServiceUnreachableException($"PostgreSQL at {where}: {e.SqlState}: {e.MessageText}", e);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw new ServiceUnreachableException($"cannot reach PostgreSQL at {where}: {FirstLine(e.InnerException?.Message ?? e.Message)} (start it with ./cai services up)", e);
        }
    }

    public static async Task EnsureRabbitMqAsync(RabbitMqOptions options, CancellationToken ct, int attempts = 4)
    {
        try
        {
            await Pipeline(attempts).ExecuteAsync(async token =>
            {
                using var client = new TcpClient();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                try { await client.ConnectAsync(options.Host, options.Port, timeout.Token); }
                catch (OperationCanceledException) when (!token.IsCancellationRequested) { throw new TimeoutException("connect timed out"); }
            }, ct);
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            throw new ServiceUnreachableException($"cannot reach RabbitMQ at {options}: {FirstLine(e.Message)} (start it with ./cai services up)", e);
        }
    }

    /// <summary>Host, port, database and user of a connection string, without the password.</summary>
    public static string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database} as {b.Username}";
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
