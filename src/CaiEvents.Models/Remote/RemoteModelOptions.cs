using System.Text;

namespace CaiEvents.Models.Remote;

/// <summary>
/// How this process talks to remote (<c>openai:</c>) models. Bound from configuration
/// (e.g. <c>Models:Remote</c>); the API key can also come from the <c>OPENAI_API_KEY</c> environment variable.
/// </summary>
/// <remarks>
/// The API key is a secret: it is sent only in the <c>Authorization</c> header, never logged, never part of
/// <see cref="ModelIdentity"/>, never in exception messages, and left out of <see cref="ToString"/>.
/// </remarks>
public sealed record RemoteModelOptions
{
    /// <summary>Environment variable read when <see cref="ApiKey"/> is not configured.</summary>
    public const string ApiKeyEnvironmentVariable = "OPENAI_API_KEY";

    public static RemoteModelOptions Default { get; } = new();

    /// <summary>Bearer token for the server; null or empty: <c>OPENAI_API_KEY</c>, and if that is unset too, no Authorization header.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Limit for one HTTP attempt (sending, waiting, reading the body). Each retry gets a fresh one.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after the first attempt, on 429, 5xx (not 501), timeouts and connection errors. 0: no retries.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Median delay before the first retry; later retries back off exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap on any delay between attempts, including one a server asks for with <c>Retry-After</c>.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many HTTP requests one <c>GenerateAsync</c>/<c>ScoreAsync</c> call keeps in flight at once.</summary>
    public int MaxConcurrentRequests { get; init; } = 4;

    /// <summary>
    /// Cap on HTTP requests in flight to one server (one base URL) from this whole process: every model object, role and
    /// consumer shares it (<see cref="RemoteServerConcurrency"/>). The first value a process uses for a base URL stays.
    /// </summary>
    public int MaxConcurrency { get; init; } = 16;

    /// <summary>
    /// Total time one request may take across all its attempts and the waits between them (retries stop when it is spent).
    /// Must stay below <see cref="AcknowledgementTimeout"/>, so that a message is never redelivered while it is still retried.
    /// </summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// RabbitMQ's consumer acknowledgement timeout (<c>consumer_timeout</c> in rabbitmq.conf, 30 minutes by default): the broker
    /// closes the channel of a consumer that holds a message longer. Set it here when the broker is configured otherwise.
    /// </summary>
    public TimeSpan AcknowledgementTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// <c>top_logprobs</c> asked for when a chat-completions model scores options (labels): how many of the most likely tokens
    /// the server lists at the answer position. 20 is OpenAI's maximum and vLLM's default limit.
    /// </summary>
    public int TopLogProbs { get; init; } = 20;

    /// <summary>
    /// The key to send: <see cref="ApiKey"/>, else the <c>OPENAI_API_KEY</c> variable (read through <paramref name="environment"/>), else null.
    /// </summary>
    public string? ResolveApiKey(Func<string, string?>? environment = null)
    {
        if (!string.IsNullOrWhiteSpace(ApiKey)) return ApiKey.Trim();
        var fromEnvironment = (environment ?? Environment.GetEnvironmentVariable)(ApiKeyEnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment.Trim();
    }

    /// <summary>Throws a one-line explanation when a setting is out of range.</summary>
    public void Validate()
    {
        // Polly's per-attempt timeout accepts (10 ms, 24 h).
        if (Timeout <= TimeSpan.FromMilliseconds(10) || Timeout >= TimeSpan.FromHours(24))
            throw new ArgumentException($"Models:Remote:Timeout must be more than 10 ms and less than 24 h (got {Timeout}).");
        if (MaxRetries < 0)
            throw new ArgumentException($"Models:Remote:MaxRetries must be 0 or more (got {MaxRetries}).");
        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryDelay < TimeSpan.Zero)
            throw new ArgumentException("Models:Remote:RetryBaseDelay and MaxRetryDelay must not be negative.");
        if (MaxConcurrentRequests < 1)
            throw new ArgumentException($"Models:Remote:MaxConcurrentRequests must be 1 or more (got {MaxConcurrentRequests}).");
        if (MaxConcurrency < 1)
            throw new ArgumentException($"Models:Remote:MaxConcurrency must be 1 or more (got {MaxConcurrency}).");
        // Polly's timeout accepts (10 ms, 24 h).
        if (RetryBudget <= TimeSpan.FromMilliseconds(10) || RetryBudget >= TimeSpan.FromHours(24))
            throw new ArgumentException($"Models:Remote:RetryBudget must be more than 10 ms and less than 24 h (got {RetryBudget}).");
        if (RetryBudget >= AcknowledgementTimeout)
            throw new ArgumentException($"Models:Remote:RetryBudget ({RetryBudget}) must be shorter than Models:Remote:AcknowledgementTimeout "
                + $"({AcknowledgementTimeout}, RabbitMQ's consumer acknowledgement timeout), or a message could be redelivered while still retried.");
        if (TopLogProbs < 1)
            throw new ArgumentException($"Models:Remote:TopLogProbs must be 1 or more (got {TopLogProbs}).");
    }

    // Replaces the compiler-generated member list so that ToString() (and so logging of any record that holds
    // these options) never prints the key.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ApiKey = ").Append(string.IsNullOrWhiteSpace(ApiKey) ? "(not set)" : "(set, hidden)")
               .Append(", Timeout = ").Append(Timeout)
               .Append(", MaxRetries = ").Append(MaxRetries)
               .Append(", RetryBaseDelay = ").Append(RetryBaseDelay)
               .Append(", MaxRetryDelay = ").Append(MaxRetryDelay)
               .Append(", MaxConcurrentRequests = ").Append(MaxConcurrentRequests)
               .Append(", MaxConcurrency = ").Append(MaxConcurrency)
               .Append(", RetryBudget = ").Append(RetryBudget)
               .Append(", AcknowledgementTimeout = ").Append(AcknowledgementTimeout)
               .Append(", TopLogProbs = ").Append(TopLogProbs);
        return true;
    }
}
