using System.Text.Json.Serialization;

namespace CaiEvents.Models.Remote;

internal sealed record CompletionLogProbs
{
    [JsonPropertyName("tokens")] public List<string>? Tokens { get; init; }
    /// <summary>Null entries: the first token of an echoed text has no log-probability.</summary>
    [JsonPropertyName("token_logprobs")] public List<double?>? TokenLogProbs { get; init; }
    /// <summary>Start of each token in the (echoed) text, in characters (Unicode code points on Python servers).</summary>
    [JsonPropertyName("text_offset")] public List<int>? TextOffset { get; init; }
}
