using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// A preference example as one JSON line. Text: <c>prompt</c>, <c>chosen</c>, <c>rejected</c> as strings (TRL's standard preference
/// shape); conversational: <c>prompt</c> as a list holding the user message, <c>chosen</c> and <c>rejected</c> as lists holding an
/// assistant message (TRL's conversational preference shape). <c>score</c>, <c>label_id</c>, <c>source</c> and <c>pair_id</c> follow.
/// </summary>
public static class PreferenceJsonlFormat
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Fixed formatting (at most 8 decimals) so the same dataset is byte-identical everywhere.</summary>
    public static string FormatScore(double score) => score.ToString("0.########", CultureInfo.InvariantCulture);

    public static void WriteLine(PreferenceExample e, Stream output, DatasetFormat format)
    {
        using (var json = new Utf8JsonWriter(output, WriterOptions))
        {
            json.WriteStartObject();
            if (format == DatasetFormat.Conversational)
            {
                WriteMessages(json, "prompt", "user", e.Prompt);
                WriteMessages(json, "chosen", "assistant", e.Chosen);
                WriteMessages(json, "rejected", "assistant", e.Rejected);
            }
            else
            {
                json.WriteString("prompt", e.Prompt);
                json.WriteString("chosen", e.Chosen);
                json.WriteString("rejected", e.Rejected);
            }
            json.WritePropertyName("score");
            json.WriteRawValue(FormatScore(e.Score));
            json.WriteString("label_id", e.LabelId);
            json.WriteString("source", e.Source);
            json.WriteString("pair_id", e.PairId);
            json.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
    }

    private static void WriteMessages(Utf8JsonWriter json, string name, string role, string content)
    {
        json.WriteStartArray(name);
        json.WriteStartObject();
        json.WriteString("role", role);
        json.WriteString("content", content);
        json.WriteEndObject();
        json.WriteEndArray();
    }
}
