using System.Net.Sockets;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace CaiEvents.EventStore;

/// <summary>
/// Which failures are worth trying again: the database or the broker was briefly unreachable (restarting, a dropped
/// connection, a timeout), as opposed to a bug or bad data that fails the same way every time.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception? e)
    {
        switch (e)
        {
            case null:
                return false;
            case AggregateException aggregate:
                // A batch that failed for several reasons is transient only if every part is.
                return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient);
            case PostgresException pg:
                // 08: connection exceptions; 57P01-03: the server is shutting down or starting; plus Npgsql's own list
                // (serialisation failures, too many connections...).
                return pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P0", StringComparison.Ordinal);
            case NpgsqlException:
                // Not a server error: the connection itself failed (refused, reset, timed out).
                return true;
            case SocketException or IOException or TimeoutException or BrokenCircuitException:
                return true;
        }
        // The broker client's exceptions, named rather than referenced (this project does not depend on it).
        var type = e.GetType();
        if (type.Namespace?.StartsWith("RabbitMQ.Client", StringComparison.Ordinal) == true) return true;
        if (type.Name is "RabbitMqConnectionException" or "ConnectionException") return true;
        return IsTransient(e.InnerException);
    }
}

/// <summary>
/// Polly pipelines for event-store and broker I/O outside MassTransit consumers (submitting a run, waiting for it,
/// retrying failed items): jittered exponential backoff on <see cref="TransientFailures"/>, behind a circuit breaker
/// that stops hammering a service that is down and lets the retry wait out its break.
/// </summary>
public static class Resilience
{
    /// <summary>Enough for a PostgreSQL or RabbitMQ restart (about a minute of attempts in all).</summary>
    public static ResiliencePipeline Create(int attempts = 12, TimeSpan? firstDelay = null, TimeSpan? maxDelay = null) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = attempts,
                Delay = firstDelay ?? TimeSpan.FromMilliseconds(250),
                MaxDelay = maxDelay ?? TimeSpan.FromSeconds(8),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(TransientFailures.IsTransient),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Open after 3 failures (half of the calls) within 10 s; while open, calls fail at once with
                // BrokenCircuitException (which the retry above treats as transient) until a probe succeeds.
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromSeconds(2),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not BrokenCircuitException && TransientFailures.IsTransient(e)),
            })
            .Build();
}
