using System.Text.Json.Serialization;
using CaiEvents.Domain.Sl;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// A Parquet row of the SL dataset in the text format: flat string columns, the JSON line's fields by the same names;
/// <c>rounds</c> holds the line's rounds array as JSON text.
/// </summary>
public sealed class SlTextRow
{
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("completion")] public string? Completion { get; set; }
    [JsonPropertyName("run_id")] public string? RunId { get; set; }
    [JsonPropertyName("sample_id")] public string? SampleId { get; set; }
    [JsonPropertyName("prompt_id")] public string? PromptId { get; set; }
    [JsonPropertyName("initial_response")] public string? InitialResponse { get; set; }
    [JsonPropertyName("rounds")] public string? Rounds { get; set; }

    public static SlTextRow From(SampleState sample) => new()
    {
        Prompt = sample.Prompt,
        Completion = sample.FinalCompletion,
        RunId = sample.RunId.ToString(),
        SampleId = sample.Id.ToString(),
        PromptId = sample.PromptId,
        InitialResponse = sample.InitialResponse,
        Rounds = SlJsonlFormat.RoundsJson(sample),
    };
}
