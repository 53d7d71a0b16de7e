using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

internal sealed record ChatChoice
{
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("message")] public ChatResponseMessage? Message { get; init; }
    [JsonPropertyName("logprobs")] public ChatLogProbs? LogProbs { get; init; }
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; init; }
}
