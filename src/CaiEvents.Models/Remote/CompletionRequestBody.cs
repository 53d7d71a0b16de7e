using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Request body of the OpenAI-compatible legacy completions endpoint (POST &lt;base url&gt;/completions):
/// only the fields this client sends.
/// </summary>
internal sealed record CompletionRequestBody
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("prompt")] public required string Prompt { get; init; }
    [JsonPropertyName("max_tokens")] public required int MaxTokens { get; init; }
    [JsonPropertyName("temperature")] public required double Temperature { get; init; }
    [JsonPropertyName("top_p")] public required double TopP { get; init; }
    /// <summary>Not part of OpenAI's API; vLLM and llama.cpp accept it. Sent only when top-k sampling is asked for.</summary>
    [JsonPropertyName("top_k")] public int? TopK { get; init; }
    [JsonPropertyName("stop")] public IReadOnlyList<string>? Stop { get; init; }
    [JsonPropertyName("seed")] public long? Seed { get; init; }
    [JsonPropertyName("echo")] public bool? Echo { get; init; }
    [JsonPropertyName("logprobs")] public int? LogProbs { get; init; }
    [JsonPropertyName("n")] public int N { get; init; } = 1;
    [JsonPropertyName("stream")] public bool Stream { get; init; }
}
