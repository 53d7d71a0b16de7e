using System.Net;

namespace CaiEvents.Models.Remote;

/// <summary>
/// A remote model call that failed for good (after any retries). The message is one line, names the
/// endpoint, and never holds the API key.
/// </summary>
public sealed class RemoteModelException(string message, string endpoint, int attempts, HttpStatusCode? statusCode = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The URL that was called, e.g. <c>http://127.0.0.1:8000/v1/completions</c>.</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>HTTP attempts made, retries included.</summary>
    public int Attempts { get; } = attempts;

    /// <summary>Status of the last response, when there was one.</summary>
    public HttpStatusCode? StatusCode { get; } = statusCode;
}
