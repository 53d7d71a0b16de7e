using System.Text.Encodings.Web;
using System.Text.Json;
using CaiEvents.Domain.Sl;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// An SL example as one JSON line. Text: <c>prompt</c> and <c>completion</c> (TRL's prompt-completion shape); conversational:
/// <c>messages</c> (a user and an assistant message, TRL's conversational language-modelling shape). The provenance fields follow.
/// </summary>
public static class SlJsonlFormat
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteLine(SampleState sample, Stream output, DatasetFormat format)
    {
        using (var json = new Utf8JsonWriter(output, WriterOptions))
        {
            json.WriteStartObject();
            if (format == DatasetFormat.Conversational)
            {
                json.WriteStartArray("messages");
                WriteMessage(json, "user", sample.Prompt);
                WriteMessage(json, "assistant", sample.FinalCompletion);
                json.WriteEndArray();
            }
            else
            {
                json.WriteString("prompt", sample.Prompt);
                json.WriteString("completion", sample.FinalCompletion);
            }
            json.WriteString("run_id", sample.RunId);
            json.WriteString("sample_id", sample.Id);
            json.WriteString("prompt_id", sample.PromptId);
            json.WriteString("initial_response", sample.InitialResponse);
            json.WritePropertyName("rounds");
            WriteRounds(json, sample);
            json.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
    }

    /// <summary>The <c>rounds</c> array as JSON text: the column the flat (text) Parquet rows carry it in.</summary>
    public static string RoundsJson(SampleState sample)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions)) WriteRounds(json, sample);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteRounds(Utf8JsonWriter json, SampleState sample)
    {
        json.WriteStartArray();
        foreach (var round in sample.Rounds.OrderBy(r => r.Round))
        {
            json.WriteStartObject();
            json.WriteNumber("round", round.Round);
            json.WriteString("principle_id", round.PrincipleId);
            json.WriteString("critique", round.Critique);
            json.WriteString("revision", round.Revision);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteMessage(Utf8JsonWriter json, string role, string? content)
    {
        json.WriteStartObject();
        json.WriteString("role", role);
        json.WriteString("content", content);
        json.WriteEndObject();
    }
}
