namespace CaiEvents.Models.Remote;

/// <summary>One HTTP answer of an OpenAI-compatible server (<see cref="OpenAiEndpointClient"/>), its body read as text.</summary>
/// <param name="StatusCode">The HTTP status, e.g. 200.</param>
/// <param name="ReasonPhrase">The status's reason phrase (or its name when the server sent none).</param>
/// <param name="Body">The body as text ("" when empty).</param>
/// <param name="Attempts">HTTP attempts made, retries included.</param>
public sealed record EndpointResponse(int StatusCode, string ReasonPhrase, string Body, int Attempts)
{
    public bool IsSuccess => StatusCode is >= 200 and <= 299;
}
