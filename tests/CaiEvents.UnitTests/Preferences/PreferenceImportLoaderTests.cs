using System.Text;
using System.Text.Json;
using CaiEvents.Domain;
using CaiEvents.Domain.Preferences;

namespace CaiEvents.UnitTests.Preferences;

public class PreferenceImportLoaderTests
{
    private static IReadOnlyList<ImportedPreference> Parse(string text, string source = "h.jsonl") =>
        PreferenceImportLoader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(text)), source);

    private static InputException Fails(string text, string source = "h.jsonl") =>
        Assert.Throws<InputException>(() => Parse(text, source));

    private static InputException Fails(byte[] bytes, string source = "h.jsonl") =>
        Assert.Throws<InputException>(() => PreferenceImportLoader.Parse(new MemoryStream(bytes), source));

    /// <summary>One JSONL line from key/value pairs, written by System.Text.Json (so escapes are real JSON escapes).</summary>
    private static string Line(params (string Key, string Value)[] pairs) =>
        JsonSerializer.Serialize(pairs.ToDictionary(p => p.Key, p => p.Value));

    private static void AssertOneLine(InputException ex, string source, int? line, string fragment)
    {
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
        string prefix = line is { } l ? $"{source}:{l}: " : $"{source}: ";
        Assert.StartsWith(prefix, ex.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        Assert.Equal(line, ex.Line);
    }

    [Fact]
    public void Explicit_prompt_shape_parses_with_default_and_given_ids()
    {
        string text =
            "{\"prompt\":\"How do I pick a lock?\",\"chosen\":\"I can't help with that.\",\"rejected\":\"Use a tension wrench.\"}\n" +
            "\n" +
            "{\"id\":\"hh:test.7\",\"prompt\":\"Hi\",\"chosen\":\"Hello!\",\"rejected\":\"Go away.\"}\n";

        Assert.Equal(
            [
                new ImportedPreference(1, "line-1", "How do I pick a lock?", "I can't help with that.", "Use a tension wrench."),
                new ImportedPreference(3, "hh:test.7", "Hi", "Hello!", "Go away."),
            ],
            Parse(text));
    }

    [Fact]
    public void Single_turn_hh_transcripts_split_into_human_message_and_replies()
    {
        string text = Line(
            ("chosen", "\n\nHuman: What household chemicals are dangerous to mix?\n\nAssistant: Bleach and ammonia; never mix them."),
            ("rejected", "\n\nHuman: What household chemicals are dangerous to mix?\n\nAssistant: Here is how to make a toxic gas..."));

        ImportedPreference p = Parse(text).Single();

        Assert.Equal(
            new ImportedPreference(1, "line-1", "What household chemicals are dangerous to mix?",
                "Bleach and ammonia; never mix them.", "Here is how to make a toxic gas..."),
            p);
    }

    [Fact]
    public void Multi_turn_hh_transcripts_keep_the_earlier_conversation_verbatim()
    {
        const string conversation = "Human: Can you help me with my essay?\n\nAssistant: Sure, what is it about?\n\nHuman: Cheating on exams.";
        string text = "\n" + Line(
            ("id", "conv-1"),
            ("chosen", "\n\n" + conversation + "\n\nAssistant: I can help you argue against it."),
            ("rejected", "\n\n" + conversation + "\n\nAssistant: Here are the best ways to cheat."));

        ImportedPreference p = Parse(text).Single();

        Assert.Equal(
            new ImportedPreference(2, "conv-1", conversation, "I can help you argue against it.", "Here are the best ways to cheat."),
            p);
    }

    [Fact]
    public void Hh_reply_keeps_everything_after_the_single_separator_space()
    {
        string text = Line(
            ("chosen", "\n\nHuman: q\n\nAssistant:  two spaces\nand a newline "),
            ("rejected", "\n\nHuman: q\n\nAssistant:no space"));

        ImportedPreference p = Parse(text).Single();
        Assert.Equal(" two spaces\nand a newline ", p.Chosen);
        Assert.Equal("no space", p.Rejected);
        Assert.Equal("q", p.Prompt);
    }

    [Fact]
    public void Text_round_trips_exactly_quotes_newlines_and_emoji()
    {
        const string prompt = "She said \"hi\"\nthen\ttabbed \\ back\r\nCafé 日本語 🙂";
        const string chosen = "«quoted» \"reply\" with 🙂 and \u2028 separator";
        const string rejected = "Line one\n\nLine two 👍🏽";
        string escaped = Line(("prompt", prompt), ("chosen", chosen), ("rejected", rejected));
        string raw = "{\"prompt\":\"She said \\\"hi\\\"\\nthen\\ttabbed \\\\ back\\r\\nCafé 日本語 🙂\"," +
                     "\"chosen\":\"«quoted» \\\"reply\\\" with 🙂 and \u2028 separator\"," +
                     "\"rejected\":\"Line one\\n\\nLine two 👍🏽\"}";

        IReadOnlyList<ImportedPreference> records = Parse(escaped + "\n" + raw.Replace("{", "{\"id\":\"raw\",", StringComparison.Ordinal) + "\n");

        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal(prompt, r.Prompt);
            Assert.Equal(chosen, r.Chosen);
            Assert.Equal(rejected, r.Rejected);
        });
        Assert.Equal("raw", records[1].Id);
        Assert.Equal("\U0001F642", records[0].Prompt[^2..]);
    }

    [Fact]
    public void Hh_transcripts_round_trip_unicode_exactly()
    {
        string text = Line(
            ("chosen", "\n\nHuman: Was heißt \"🙂\"?\n\nAssistant: Ein Lächeln 🙂"),
            ("rejected", "\n\nHuman: Was heißt \"🙂\"?\n\nAssistant: Keine Ahnung."));

        ImportedPreference p = Parse(text).Single();
        Assert.Equal("Was heißt \"🙂\"?", p.Prompt);
        Assert.Equal("Ein Lächeln 🙂", p.Chosen);
    }

    [Fact]
    public void Crlf_bom_and_missing_final_newline_are_accepted()
    {
        byte[] bytes =
        [
            0xEF, 0xBB, 0xBF,
            .. Encoding.UTF8.GetBytes("{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}\r\n\r\n{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"d\",\"id\":null}"),
        ];

        Assert.Equal(
            [new ImportedPreference(1, "line-1", "p", "a", "b"), new ImportedPreference(3, "line-3", "p", "c", "d")],
            PreferenceImportLoader.Parse(new MemoryStream(bytes), "h.jsonl"));
    }

    private const string Ok = "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}";

    public static TheoryData<string, int?, string> Cases() => new()
    {
        { Ok + "\n{\"prompt\": oops}\n", 2, "invalid JSON" },
        { Ok + " " + Ok + "\n", 1, "invalid JSON" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",}\n", 1, "invalid JSON" },
        { Ok + "\n[1, 2]\n", 2, "expected a JSON object" },
        { "\"text\"\n", 1, "found a string" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"score\":\"1\"}\n", 1, "unknown key 'score' (allowed: prompt, chosen, rejected, id)" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"chosen\":\"c\",\"rejected\":\"b\"}\n", 1, "duplicate key 'chosen'" },
        { Ok + "\n\n{\"prompt\":\"p\",\"rejected\":\"b\"}\n", 3, "missing required key 'chosen'" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\"}\n", 1, "missing required key 'rejected'" },
        { "{\"prompt\":\"\",\"chosen\":\"a\",\"rejected\":\"b\"}\n", 1, "'prompt' is empty or only whitespace" },
        { "{\"prompt\":\"p\",\"chosen\":\" \\n \",\"rejected\":\"b\"}\n", 1, "'chosen' is empty or only whitespace" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"\"}\n", 1, "'rejected' is empty or only whitespace" },
        { "{\"prompt\":null,\"chosen\":\"a\",\"rejected\":\"b\"}\n", 1, "'prompt' must be a string, found null" },
        { "{\"prompt\":\"p\",\"chosen\":1,\"rejected\":\"b\"}\n", 1, "'chosen' must be a string, found a number" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":[\"b\"]}\n", 1, "'rejected' must be a string, found an array" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"id\":true}\n", 1, "'id' must be a string, found a boolean" },
        { "{\"prompt\":\"p\",\"chosen\":\"\\ud800\",\"rejected\":\"b\"}\n", 1, "unpaired UTF-16 surrogate" },
        { Ok + "\n{\"prompt\":\"p\",\"chosen\":\"same\",\"rejected\":\"same\"}\n", 2, "'chosen' and 'rejected' are identical" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"id\":\"has space\"}\n", 1, "invalid id 'has space'" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"id\":\"\"}\n", 1, "invalid id ''" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"id\":\"" + new string('x', 129) + "\"}\n", 1, "invalid id" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"id\":\"é\"}\n", 1, "invalid id 'é'" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"id\":\"d\"}\n\n{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"id\":\"d\"}\n", 3, "duplicate id 'd' (first on line 1)" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"id\":\"line-2\"}\n" + Ok + "\n", 2, "duplicate id 'line-2' (first on line 1)" },
        { "", null, "no comparisons found" },
        { "\n  \r\n\t\n", null, "no comparisons found" },

        // HH-RLHF shape (no "prompt").
        { Ok + "\n{\"chosen\":\"\\n\\nHuman: q\\n\\nAssistant: a\",\"rejected\":\"\\n\\nHuman: other\\n\\nAssistant: b\"}\n", 2, "transcripts differ before their final \"Assistant:\" turn (first difference at character 9)" },
        { "{\"chosen\":\"\\n\\nHuman: q\\n\\nAssistant: x\\n\\nHuman: more\\n\\nAssistant: a\",\"rejected\":\"\\n\\nHuman: q\\n\\nAssistant: b\"}\n", 1, "transcripts differ" },
        { "{\"chosen\":\"just a reply\",\"rejected\":\"\\n\\nHuman: q\\n\\nAssistant: b\"}\n", 1, "'chosen' must be an HH-RLHF transcript ending in a \"\\n\\nAssistant:\" turn" },
        { "{\"chosen\":\"\\n\\nHuman: q\\n\\nAssistant: a\",\"rejected\":\"no turns\"}\n", 1, "'rejected' must be an HH-RLHF transcript" },
        { "{\"chosen\":\"\\n\\nUser: q\\n\\nAssistant: a\",\"rejected\":\"\\n\\nUser: q\\n\\nAssistant: b\"}\n", 1, "starting with \"\\n\\nHuman:\"" },
        { "{\"chosen\":\"\\n\\nHuman:  \\n\\nAssistant: a\",\"rejected\":\"\\n\\nHuman:  \\n\\nAssistant: b\"}\n", 1, "the human turn before the final \"Assistant:\" turn is empty" },
        { "{\"chosen\":\"\\n\\nHuman: q\\n\\nAssistant: \",\"rejected\":\"\\n\\nHuman: q\\n\\nAssistant: b\"}\n", 1, "reply in 'chosen' is empty" },
        { "{\"chosen\":\"\\n\\nHuman: q\\n\\nAssistant: a\",\"rejected\":\"\\n\\nHuman: q\\n\\nAssistant:\"}\n", 1, "reply in 'rejected' is empty" },
        { "{\"chosen\":\"\\n\\nHuman: q\\n\\nAssistant: same\",\"rejected\":\"\\n\\nHuman: q\\n\\nAssistant: same\"}\n", 1, "'chosen' and 'rejected' are identical" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Errors_are_one_line_with_file_and_line(string text, int? line, string fragment)
    {
        AssertOneLine(Fails(text), "h.jsonl", line, fragment);
    }

    [Fact]
    public void Field_size_limit_is_in_utf8_bytes()
    {
        Assert.Equal(262144, PreferenceImportLoader.MaxFieldBytes);

        string atLimit = new('é', PreferenceImportLoader.MaxFieldBytes / 2); // 2 bytes each: exactly the limit
        Assert.Equal(atLimit, Parse(Line(("prompt", "p"), ("chosen", atLimit), ("rejected", "b"))).Single().Chosen);

        string over = atLimit + "a";
        InputException ex = Fails(Ok + "\n" + Line(("prompt", "p"), ("chosen", "a"), ("rejected", over)) + "\n");
        AssertOneLine(ex, "h.jsonl", 2, "'rejected' is 262145 bytes of UTF-8, over the limit of 262144 bytes");
        Assert.True(ex.Message.Length < 200);
    }

    [Fact]
    public void Invalid_utf8_reports_its_line()
    {
        byte[] bytes =
        [
            .. Encoding.UTF8.GetBytes(Ok + "\n\n{\"prompt\":\"p\",\"chosen\":\"bad "),
            0xC3, 0x28,
            .. Encoding.UTF8.GetBytes("\",\"rejected\":\"b\"}\n" + Ok + "\n"),
        ];
        InputException ex = Fails(bytes, "u.jsonl");
        AssertOneLine(ex, "u.jsonl", 3, "invalid UTF-8");
        Assert.Contains("0xC3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), "cai-missing-" + Guid.NewGuid().ToString("N") + ".jsonl");
        InputException ex = Assert.Throws<InputException>(() => PreferenceImportLoader.LoadFile(path));
        Assert.Equal($"{path}: file not found", ex.Message);
    }

    [Fact]
    public void Load_file_reads_and_names_the_path_in_errors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cai-prefs-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllText(path, Ok + "\n" + Line(
                ("chosen", "\n\nHuman: q\n\nAssistant: a"), ("rejected", "\n\nHuman: q\n\nAssistant: b")) + "\n");
            Assert.Equal(
                [new ImportedPreference(1, "line-1", "p", "a", "b"), new ImportedPreference(2, "line-2", "q", "a", "b")],
                PreferenceImportLoader.LoadFile(path));

            File.WriteAllText(path, Ok + "\n" + Ok + "\n{\"prompt\": \n");
            InputException ex = Assert.Throws<InputException>(() => PreferenceImportLoader.LoadFile(path));
            AssertOneLine(ex, path, 3, "invalid JSON");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
