using System.Globalization;
using System.Text.Json.Serialization;

namespace CaiEvents.EventStore.Datasets;

/// <summary>A Parquet row of the preference dataset in the text format: the JSON line's fields as flat columns by the same names.</summary>
public sealed class PreferenceTextRow
{
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("chosen")] public string? Chosen { get; set; }
    [JsonPropertyName("rejected")] public string? Rejected { get; set; }
    [JsonPropertyName("score")] public double Score { get; set; }
    [JsonPropertyName("label_id")] public string? LabelId { get; set; }
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("pair_id")] public string? PairId { get; set; }

    public static PreferenceTextRow From(PreferenceExample e) => new()
    {
        Prompt = e.Prompt, Chosen = e.Chosen, Rejected = e.Rejected, Score = ExportedScore(e.Score),
        LabelId = e.LabelId.ToString(), Source = e.Source, PairId = e.PairId.ToString(),
    };

    /// <summary>The score exactly as the JSON line prints it (8 decimals), so both files hold the same number.</summary>
    public static double ExportedScore(double score) => double.Parse(PreferenceJsonlFormat.FormatScore(score), CultureInfo.InvariantCulture);
}
