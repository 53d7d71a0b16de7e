using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Request body of the OpenAI-compatible chat-completions endpoint (POST &lt;base url&gt;/chat/completions): only the fields
/// this client sends; null ones are left out.
/// </summary>
internal sealed record ChatRequestBody
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("messages")] public required IReadOnlyList<ChatRequestMessage> Messages { get; init; }
    [JsonPropertyName("max_tokens")] public required int MaxTokens { get; init; }
    [JsonPropertyName("temperature")] public required double Temperature { get; init; }
    [JsonPropertyName("top_p")] public required double TopP { get; init; }
    /// <summary>Not part of OpenAI's API (OpenAI rejects it); vLLM, llama.cpp and Ollama accept it. Sent only when asked for.</summary>
    [JsonPropertyName("top_k")] public int? TopK { get; init; }
    [JsonPropertyName("stop")] public IReadOnlyList<string>? Stop { get; init; }
    [JsonPropertyName("seed")] public long? Seed { get; init; }
    [JsonPropertyName("logprobs")] public bool? LogProbs { get; init; }
    [JsonPropertyName("top_logprobs")] public int? TopLogProbs { get; init; }
    /// <summary>vLLM's: continue the final assistant message instead of opening a new turn (sent with a prefill only).</summary>
    [JsonPropertyName("continue_final_message")] public bool? ContinueFinalMessage { get; init; }
    /// <summary>vLLM's: false with <see cref="ContinueFinalMessage"/>, so no new assistant header follows the prefill.</summary>
    [JsonPropertyName("add_generation_prompt")] public bool? AddGenerationPrompt { get; init; }
    [JsonPropertyName("stream")] public bool Stream { get; init; }
}
