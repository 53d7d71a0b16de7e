using System.Text.Json.Serialization;
using CaiEvents.Domain.Sl;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// A Parquet row of the SL dataset in the conversational format: <c>messages</c> as a list of <c>{role, content}</c> structs
/// (the column type Hugging Face datasets give TRL's conversational data), <c>rounds</c> as a list of structs, the rest flat.
/// </summary>
public sealed class SlConversationalRow
{
    [JsonPropertyName("messages")] public List<ChatMessage> Messages { get; set; } = [];
    [JsonPropertyName("run_id")] public string? RunId { get; set; }
    [JsonPropertyName("sample_id")] public string? SampleId { get; set; }
    [JsonPropertyName("prompt_id")] public string? PromptId { get; set; }
    [JsonPropertyName("initial_response")] public string? InitialResponse { get; set; }
    [JsonPropertyName("rounds")] public List<SlRoundRow> Rounds { get; set; } = [];

    public static SlConversationalRow From(SampleState sample) => new()
    {
        Messages = [.. ChatMessage.User(sample.Prompt), .. ChatMessage.Assistant(sample.FinalCompletion)],
        RunId = sample.RunId.ToString(),
        SampleId = sample.Id.ToString(),
        PromptId = sample.PromptId,
        InitialResponse = sample.InitialResponse,
        Rounds = [.. sample.Rounds.OrderBy(r => r.Round).Select(SlRoundRow.From)],
    };
}
