using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

// Wire shapes of the OpenAI-compatible legacy completions endpoint (POST <base url>/completions).
// Only the fields this client sends or reads; everything else in a response is ignored.

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

internal sealed record CompletionResponseBody
{
    [JsonPropertyName("choices")] public List<CompletionChoice>? Choices { get; init; }
    [JsonPropertyName("usage")] public CompletionUsage? Usage { get; init; }
}

internal sealed record CompletionChoice
{
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("text")] public string? Text { get; init; }
    [JsonPropertyName("logprobs")] public CompletionLogProbs? LogProbs { get; init; }
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; init; }
}

internal sealed record CompletionLogProbs
{
    [JsonPropertyName("tokens")] public List<string>? Tokens { get; init; }
    /// <summary>Null entries: the first token of an echoed text has no log-probability.</summary>
    [JsonPropertyName("token_logprobs")] public List<double?>? TokenLogProbs { get; init; }
    /// <summary>Start of each token in the (echoed) text, in characters (Unicode code points on Python servers).</summary>
    [JsonPropertyName("text_offset")] public List<int>? TextOffset { get; init; }
}

internal sealed record CompletionUsage
{
    [JsonPropertyName("prompt_tokens")] public int? PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public int? CompletionTokens { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CompletionRequestBody))]
[JsonSerializable(typeof(CompletionResponseBody))]
internal sealed partial class CompletionsJsonContext : JsonSerializerContext;

internal static class ServerErrorText
{
    /// <summary>
    /// The human part of an error body: OpenAI's <c>{"error":{"message":…}}</c>, vLLM's <c>{"message":…}</c>,
    /// <c>{"error":"…"}</c>, or the raw text; one line, at most 300 characters.
    /// </summary>
    public static string Extract(string body)
    {
        var text = body;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                        text = m.GetString()!;
                    else if (error.ValueKind == JsonValueKind.String)
                        text = error.GetString()!;
                }
                else if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    text = message.GetString()!;
                }
                else if (root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
                {
                    text = detail.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // not JSON: keep the raw text
        }
        return OneLine(text, 300);
    }

    public static string OneLine(string text, int max)
    {
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (line.Length == 0) return "(empty body)";
        return line.Length <= max ? line : line[..max] + "…";
    }
}
