using System.Net.Sockets;
using System.Security.Authentication;
using CaiEvents.EventStore;
using Npgsql;
using Polly;
using Polly.Retry;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

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
                // The event store's own data source: with a standby, this proves that a primary answers.
                await using var source = EventStoreDataSource.Create(options.ConnectionString);
                await using var connection = await source.OpenConnectionAsync(token);
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
            throw new ServiceUnreachableException(
                $"cannot reach PostgreSQL at {where}: {FirstLine(e.InnerException?.Message ?? e.Message)} (start it with ./cai services up)", e);
        }
    }

    /// <summary>
    /// Opens (and closes) one AMQP connection with the configured credentials and virtual host, so that an
    /// unreachable broker, a wrong password or a missing virtual host is reported before anything is written.
    /// </summary>
    public static async Task EnsureRabbitMqAsync(RabbitMqOptions options, CancellationToken ct, int attempts = 4)
    {
        // Any node of a cluster will do: the connection goes to the first that answers, as the bus's does.
        var endpoints = BrokerTls.AmqpEndpoints(options);
        var factory = new ConnectionFactory
        {
            VirtualHost = options.VirtualHost,
            UserName = options.Username,
            Password = options.Password,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
            AutomaticRecoveryEnabled = false,
            ClientProvidedName = "cai-readiness-check",
        };
        try
        {
            await RabbitPipeline(attempts).ExecuteAsync(async token =>
            {
                // RabbitMQ.Client 7 may return from CreateConnectionAsync before the broker accepted the virtual
                // host; opening a channel is the first round trip that proves it. A hard limit keeps a broker that
                // closes the connection half-way from hanging the check.
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
                limit.CancelAfter(TimeSpan.FromSeconds(10));
                IConnection? connection = null;
                try
                {
                    connection = await factory.CreateConnectionAsync(endpoints, limit.Token);
                    var channel = await connection.CreateChannelAsync(cancellationToken: limit.Token);
                    await channel.CloseAsync(limit.Token);
                    await connection.CloseAsync(limit.Token);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    if (connection?.CloseReason is { } reason) throw new OperationInterruptedException(reason);
                    throw new TimeoutException("no AMQP handshake within 10 s");
                }
                catch (Exception) when (connection?.CloseReason is { ReplyCode: not 200 } reason)
                {
                    throw new OperationInterruptedException(reason);
                }
                finally
                {
                    connection?.Dispose();
                }
            }, ct);
        }
        catch (Exception e) when (Chain(e).OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            throw new ServiceUnreachableException(
                $"TLS with RabbitMQ at {options} failed: {FirstLine(tls.Message)} (check RabbitMq__Tls__CaCertificate and RabbitMq__Tls__ServerName)", e);
        }
        catch (Exception e) when (IsRabbitAuthFailure(e))
        {
            throw new ServiceUnreachableException(
                $"RabbitMQ at {options} rejected the credentials of user '{options.Username}' (check RabbitMq__Username / RabbitMq__Password)", e);
        }
        catch (Exception e) when (IsRabbitAccessRefused(e))
        {
            throw new ServiceUnreachableException(
                $"RabbitMQ at {options} refused access to virtual host '{options.VirtualHost}' (missing, or no permission for user '{options.Username}')",
                e);
        }
        catch (Exception e) when (e is BrokerUnreachableException or SocketException or TimeoutException or ConnectFailureException
                                       or OperationInterruptedException)
        {
            throw new ServiceUnreachableException(
                $"cannot reach RabbitMQ at {options}: {FirstLine(Innermost(e).Message)} (start it with ./cai services up)", e);
        }
    }

    private static ResiliencePipeline RabbitPipeline(int attempts) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = attempts,
            Delay = TimeSpan.FromMilliseconds(300),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            // Wrong credentials and a refused virtual host do not get better by retrying.
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e =>
                (e is BrokerUnreachableException or SocketException or TimeoutException or ConnectFailureException)
                                                                        && !IsRabbitAuthFailure(e) && !IsRabbitAccessRefused(e)
                                                                        && !Chain(e).OfType<AuthenticationException>().Any()),
        })
        .Build();

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException) yield return x;
    }

    private static bool IsRabbitAuthFailure(Exception e) => Chain(e).Any(x => x is AuthenticationFailureException
        || x is OperationInterruptedException { ShutdownReason.ReplyCode: 403 }
        || x is PossibleAuthenticationFailureException);

    private static bool IsRabbitAccessRefused(Exception e) => Chain(e).Any(x => x is OperationInterruptedException { ShutdownReason.ReplyCode: 530 });

    private static Exception Innermost(Exception e) => Chain(e).Last();

    /// <summary>Host, port, database and user of a connection string, without the password.</summary>
    public static string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        // Several hosts (a primary and its standby) carry their ports in the list: host:port,host:port.
        var hosts = b.Host?.Contains(',', StringComparison.Ordinal) == true ? b.Host : $"{b.Host}:{b.Port}";
        return $"{hosts}/{b.Database} as {b.Username}";
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
