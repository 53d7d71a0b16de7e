using System.Text;
using System.Text.Json;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Datasets;
using Parquet.Serialization;

namespace CaiEvents.UnitTests.Datasets;

/// <summary>The exported row shapes: today's text lines byte for byte, TRL's conversational shapes, and Parquet rows that read back alike.</summary>
public class ExportRowShapeTests
{
    private static readonly Guid RunId = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid SampleId = Guid.Parse("22222222-2222-2222-2222-222222222222");
    private static readonly Guid LabelId = Guid.Parse("33333333-3333-3333-3333-333333333333");
    private static readonly Guid PairId = Guid.Parse("44444444-4444-4444-4444-444444444444");

    private static SampleState Sample() => new()
    {
        Id = SampleId, RunId = RunId, PromptId = "p-1", Prompt = "Is it fine to borrow a ladder?", Status = SampleStatus.Finalized,
        InitialResponse = "Sure <just> take it.", FinalCompletion = "Ask your neighbour first, café.",
        Rounds =
        [
            new RoundState(2, "respect", "req2", "Still curt.", Guid.Empty, "rev2", "Ask your neighbour first, café."),
            new RoundState(1, "harm", "req1", "Encourages taking things.", Guid.Empty, "rev1", "Ask first."),
        ],
    };

    private static PreferenceExample Example() => new("Prompt?", "Good answer.", "Bad answer.", 0.7312345678912, LabelId, "ai", PairId);

    private static string SlLine(SampleState sample, DatasetFormat format)
    {
        using var buffer = new MemoryStream();
        SlJsonlFormat.WriteLine(sample, buffer, format);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string PreferenceLine(PreferenceExample example, DatasetFormat format)
    {
        using var buffer = new MemoryStream();
        PreferenceJsonlFormat.WriteLine(example, buffer, format);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Fact]
    public void The_text_sl_line_is_todays_line_byte_for_byte()
    {
        const string expected = "{\"prompt\":\"Is it fine to borrow a ladder?\",\"completion\":\"Ask your neighbour first, café.\","
            + "\"run_id\":\"11111111-1111-1111-1111-111111111111\",\"sample_id\":\"22222222-2222-2222-2222-222222222222\",\"prompt_id\":\"p-1\","
            + "\"initial_response\":\"Sure <just> take it.\",\"rounds\":["
            + "{\"round\":1,\"principle_id\":\"harm\",\"critique\":\"Encourages taking things.\",\"revision\":\"Ask first.\"},"
            + "{\"round\":2,\"principle_id\":\"respect\",\"critique\":\"Still curt.\",\"revision\":\"Ask your neighbour first, café.\"}]}\n";
        Assert.Equal(expected, SlLine(Sample(), DatasetFormat.Text));
        using var buffer = new MemoryStream();
        SlDatasetExport.WriteLine(Sample(), buffer);
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer.ToArray()));
    }

    [Fact]
    public void The_conversational_sl_line_has_a_user_and_an_assistant_message_and_the_same_provenance()
    {
        var line = SlLine(Sample(), DatasetFormat.Conversational);
        Assert.EndsWith("}\n", line);
        var root = JsonDocument.Parse(line).RootElement;
        Assert.Equal(["messages", "run_id", "sample_id", "prompt_id", "initial_response", "rounds"], root.EnumerateObject().Select(p => p.Name));
        var messages = root.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(["role", "content"], messages[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(("user", "Is it fine to borrow a ladder?"), (messages[0].GetProperty("role").GetString(), messages[0].GetProperty("content").GetString()));
        Assert.Equal(("assistant", "Ask your neighbour first, café."),
            (messages[1].GetProperty("role").GetString(), messages[1].GetProperty("content").GetString()));
        var text = JsonDocument.Parse(SlLine(Sample(), DatasetFormat.Text)).RootElement;
        foreach (var field in new[] { "run_id", "sample_id", "prompt_id", "initial_response", "rounds" })
            Assert.Equal(text.GetProperty(field).GetRawText(), root.GetProperty(field).GetRawText());
    }

    [Fact]
    public void The_text_preference_line_is_todays_line_byte_for_byte()
    {
        Assert.Equal("{\"prompt\":\"Prompt?\",\"chosen\":\"Good answer.\",\"rejected\":\"Bad answer.\",\"score\":0.73123457,"
            + "\"label_id\":\"33333333-3333-3333-3333-333333333333\",\"source\":\"ai\",\"pair_id\":\"44444444-4444-4444-4444-444444444444\"}\n",
            PreferenceLine(Example(), DatasetFormat.Text));
        Assert.Contains("\"score\":1,", PreferenceLine(Example() with { Score = 1.0 }, DatasetFormat.Text));
    }

    [Fact]
    public void The_conversational_preference_line_holds_message_lists_for_prompt_chosen_and_rejected()
    {
        var root = JsonDocument.Parse(PreferenceLine(Example(), DatasetFormat.Conversational)).RootElement;
        Assert.Equal(["prompt", "chosen", "rejected", "score", "label_id", "source", "pair_id"], root.EnumerateObject().Select(p => p.Name));
        static (string?, string?) Only(JsonElement list)
        {
            var message = Assert.Single(list.EnumerateArray().ToList());
            return (message.GetProperty("role").GetString(), message.GetProperty("content").GetString());
        }
        Assert.Equal(("user", "Prompt?"), Only(root.GetProperty("prompt")));
        Assert.Equal(("assistant", "Good answer."), Only(root.GetProperty("chosen")));
        Assert.Equal(("assistant", "Bad answer."), Only(root.GetProperty("rejected")));
        Assert.Equal("0.73123457", root.GetProperty("score").GetRawText());
        Assert.Equal(LabelId.ToString(), root.GetProperty("label_id").GetString());
        Assert.Equal("ai", root.GetProperty("source").GetString());
    }

    [Fact]
    public void Text_parquet_rows_carry_the_json_lines_fields_and_the_rounds_array_as_json_text()
    {
        var row = SlTextRow.From(Sample());
        var line = JsonDocument.Parse(SlLine(Sample(), DatasetFormat.Text)).RootElement;
        Assert.Equal(line.GetProperty("rounds").GetRawText(), row.Rounds);
        Assert.Equal((line.GetProperty("prompt").GetString(), line.GetProperty("completion").GetString(), line.GetProperty("sample_id").GetString()),
            (row.Prompt, row.Completion, row.SampleId));
        Assert.Equal(0.73123457, PreferenceTextRow.From(Example()).Score);
    }

    [Fact]
    public async Task Conversational_parquet_rows_are_list_of_struct_columns_that_read_back_equal_and_are_written_deterministically()
    {
        var rows = new[] { PreferenceConversationalRow.From(Example()), PreferenceConversationalRow.From(Example() with { Source = "human", Score = 1 }) };
        using var first = new MemoryStream();
        using var second = new MemoryStream();
        await DatasetParquet.WriteAsync(rows, first, default);
        await DatasetParquet.WriteAsync(rows, second, default);
        Assert.Equal(first.ToArray(), second.ToArray());

        first.Position = 0;
        var read = await ParquetSerializer.DeserializeAsync<PreferenceConversationalRow>(first);
        Assert.Equal(["prompt", "chosen", "rejected", "score", "label_id", "source", "pair_id"], read.Schema.Fields.Select(f => f.Name));
        Assert.Equal(Parquet.Schema.SchemaType.List, read.Schema.Fields[0].SchemaType);
        Assert.Equal(JsonSerializer.Serialize(rows), JsonSerializer.Serialize(read.Data));

        var sl = SlConversationalRow.From(Sample());
        using var slFile = new MemoryStream();
        await DatasetParquet.WriteAsync([sl], slFile, default);
        slFile.Position = 0;
        var slRead = await ParquetSerializer.DeserializeAsync<SlConversationalRow>(slFile);
        Assert.Equal(JsonSerializer.Serialize(new[] { sl }), JsonSerializer.Serialize(slRead.Data));
        Assert.Equal([1, 2], slRead.Data[0].Rounds.Select(r => r.Round));
    }

    [Fact]
    public async Task An_empty_dataset_is_a_valid_parquet_file_with_no_rows()
    {
        using var file = new MemoryStream();
        await DatasetParquet.WriteAsync(Array.Empty<SlTextRow>(), file, default);
        file.Position = 0;
        var read = await ParquetSerializer.DeserializeAsync<SlTextRow>(file);
        Assert.Empty(read.Data);
        Assert.Equal(7, read.Schema.Fields.Count);
    }
}
