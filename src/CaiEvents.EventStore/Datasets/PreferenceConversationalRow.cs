using System.Text.Json.Serialization;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// A Parquet row of the preference dataset in the conversational format: <c>prompt</c> (a user message), <c>chosen</c> and
/// <c>rejected</c> (an assistant message each) as lists of <c>{role, content}</c> structs; score and ids as flat columns.
/// </summary>
public sealed class PreferenceConversationalRow
{
    [JsonPropertyName("prompt")] public List<ChatMessage> Prompt { get; set; } = [];
    [JsonPropertyName("chosen")] public List<ChatMessage> Chosen { get; set; } = [];
    [JsonPropertyName("rejected")] public List<ChatMessage> Rejected { get; set; } = [];
    [JsonPropertyName("score")] public double Score { get; set; }
    [JsonPropertyName("label_id")] public string? LabelId { get; set; }
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("pair_id")] public string? PairId { get; set; }

    public static PreferenceConversationalRow From(PreferenceExample e) => new()
    {
        Prompt = ChatMessage.User(e.Prompt), Chosen = ChatMessage.Assistant(e.Chosen), Rejected = ChatMessage.Assistant(e.Rejected),
        Score = PreferenceTextRow.ExportedScore(e.Score), LabelId = e.LabelId.ToString(), Source = e.Source, PairId = e.PairId.ToString(),
    };
}
