using System.Text;
using System.Text.Json;
using CaiEvents.Domain;
using CaiEvents.Domain.Prompts;

namespace CaiEvents.UnitTests.Prompts;

public class TranscriptPromptExtractorTests
{
    private static readonly string Fixture = TestPaths.Fixture("hh-rlhf-quirks.jsonl");

    private static TranscriptPromptSet Parse(string text, TranscriptTurn turn = TranscriptTurn.First) =>
        TranscriptPromptExtractor.Parse(new MemoryStream(Encoding.UTF8.GetBytes(text)), "t.jsonl", turn);

    private static string Line(string chosen) => JsonSerializer.Serialize(new Dictionary<string, string> { ["chosen"] = chosen, ["rejected"] = "x" });

    [Fact]
    public void First_turn_of_each_transcript_deduplicated_with_the_source_line_as_id()
    {
        var set = TranscriptPromptExtractor.LoadFile(Fixture, TranscriptTurn.First);

        Assert.Equal(["line-1", "line-2", "line-3", "line-4", "line-5", "line-7"], set.Prompts.Select(p => p.Id));
        Assert.Equal(1, set.Duplicates); // line 6 asks what line 1 asks
        Assert.Equal("How long should I let bread dough rise?", set.Prompts[0].Prompt);
        Assert.Equal("My neighbour's dog barks all night.", set.Prompts[1].Prompt);
    }

    [Fact]
    public void Last_turn_is_the_message_the_final_reply_answers()
    {
        var set = TranscriptPromptExtractor.LoadFile(Fixture, TranscriptTurn.Last);

        Assert.Equal("Could I put something in its food to quiet it?", set.Prompts[1].Prompt);
        Assert.Equal("How do I read my sister's diary?", set.Prompts[3].Prompt);
        Assert.Equal(1, set.Duplicates);
    }

    [Fact]
    public void Written_set_loads_as_a_prompt_set_with_the_same_ids_and_texts()
    {
        var set = TranscriptPromptExtractor.LoadFile(Fixture, TranscriptTurn.Last);
        var jsonl = TranscriptPromptExtractor.ToJsonl(set.Prompts);

        var loaded = PromptSetLoader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), "out.jsonl");

        Assert.Equal(set.Prompts.Select(p => (p.Id, p.Prompt)), loaded.Select(p => (p.Id, p.Prompt)));
    }

    [Fact]
    public void Turn_text_is_trimmed_and_a_transcript_may_start_without_the_blank_lines()
    {
        var set = Parse(Line("Human:   spaced out  \n\nAssistant: ok") + "\n" + Line("\n\nHuman: spaced out\n\nAssistant: again") + "\n");

        Assert.Equal("spaced out", Assert.Single(set.Prompts).Prompt);
        Assert.Equal(1, set.Duplicates);
    }

    [Fact]
    public void Quotes_and_non_ascii_text_round_trip_readably()
    {
        var set = Parse(Line("\n\nHuman: Was heißt \"🙂\"?\n\nAssistant: Ein Lächeln") + "\n");
        var jsonl = TranscriptPromptExtractor.ToJsonl(set.Prompts);

        // As the dataset exports write: text outside the basic plane (the emoji) is \u-escaped, the rest kept as it is.
        Assert.Equal("{\"id\":\"line-1\",\"prompt\":\"Was heißt \\\"\\uD83D\\uDE42\\\"?\"}\n", jsonl);
        Assert.Equal("Was heißt \"🙂\"?", PromptSetLoader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), "o.jsonl").Single().Prompt);
    }

    public static TheoryData<string, int?, string> Errors() => new()
    {
        { Line("\n\nHuman: q\n\nAssistant: a") + "\n{\"chosen\": oops}\n", 2, "invalid JSON" },
        { "{\"chosen\":\"\\n\\nHuman: q\",\"transcript\":\"t\"}\n", 1, "unknown key 'transcript' (allowed: chosen, rejected)" },
        { "{\"rejected\":\"\\n\\nHuman: q\\n\\nAssistant: a\"}\n", 1, "missing required key 'chosen'" },
        { "{\"chosen\":\"a\",\"chosen\":\"b\"}\n", 1, "duplicate key 'chosen'" },
        { "{\"chosen\":null}\n", 1, "'chosen' must be a string, found null" },
        { Line("\n\nAssistant: only a reply") + "\n", 1, "'chosen' has no \"Human:\" turn" },
        { Line("\n\nHuman:   \n\nAssistant: a") + "\n", 1, "the first human turn in 'chosen' is empty or only whitespace" },
        { Line("\n\nHuman: " + new string('a', 70000) + "\n\nAssistant: a") + "\n", 1, "the first human turn is 70000 bytes of UTF-8, over the prompt limit" },
        { "\n\n", null, "no transcripts found" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Errors_are_one_line_naming_file_and_line(string text, int? line, string fragment)
    {
        var ex = Assert.Throws<InputException>(() => Parse(text));
        Assert.Equal(line, ex.Line);
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(line is { } l ? $"t.jsonl:{l}: " : "t.jsonl: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
