using System.Text.Encodings.Web;
using System.Text.Json;
using CaiEvents.Domain.Sl;
using Marten;

namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// The SL dataset of a run as JSONL: one line per finalised sample, in prompt order. <c>prompt</c> and
/// <c>completion</c> are the shape TRL's SFT trainer reads; the rest is provenance for the reader.
/// </summary>
public static class SlDatasetExport
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="asOf">Event sequence to export the dataset as of (folded from the events); null = now, from the read models.</param>
    public static async Task<int> WriteAsync(IQuerySession session, Guid runId, Stream output, CancellationToken ct, long? asOf = null)
    {
        var samples = asOf is { } limit ? await PointInTime.SamplesAsync(session, runId, limit, ct) : await RunQueries.SamplesAsync(session, runId, ct);
        var count = 0;
        foreach (var sample in samples.Where(s => s.Status == SampleStatus.Finalized))
        {
            WriteLine(sample, output);
            count++;
        }
        await output.FlushAsync(ct);
        return count;
    }

    public static void WriteLine(SampleState sample, Stream output)
    {
        using (var json = new Utf8JsonWriter(output, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("prompt", sample.Prompt);
            json.WriteString("completion", sample.FinalCompletion);
            json.WriteString("run_id", sample.RunId);
            json.WriteString("sample_id", sample.Id);
            json.WriteString("prompt_id", sample.PromptId);
            json.WriteString("initial_response", sample.InitialResponse);
            json.WriteStartArray("rounds");
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
            json.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it, so a failed export leaves nothing half-written.</summary>
    public static async Task<int> WriteFileAsync(IQuerySession session, Guid runId, string path, CancellationToken ct, long? asOf = null)
    {
        var full = Path.GetFullPath(path);
        var temp = $"{full}.tmp-{Environment.ProcessId}";
        try
        {
            int count;
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                count = await WriteAsync(session, runId, file, ct, asOf);
            File.Move(temp, full, overwrite: true);
            return count;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
