using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

internal sealed record CompletionChoice
{
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("text")] public string? Text { get; init; }
    [JsonPropertyName("logprobs")] public CompletionLogProbs? LogProbs { get; init; }
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; init; }
}
