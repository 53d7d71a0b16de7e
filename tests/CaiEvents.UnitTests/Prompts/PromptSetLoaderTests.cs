using System.Text;
using CaiEvents.Domain;
using CaiEvents.Domain.Prompts;

namespace CaiEvents.UnitTests.Prompts;

public class PromptSetLoaderTests
{
    private static IReadOnlyList<PromptRecord> Parse(string text, string source = "p.jsonl") =>
        PromptSetLoader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(text)), source);

    private static InputException Fails(string text, string source = "p.jsonl") =>
        Assert.Throws<InputException>(() => Parse(text, source));

    private static InputException Fails(byte[] bytes, string source = "p.jsonl") =>
        Assert.Throws<InputException>(() => PromptSetLoader.Parse(new MemoryStream(bytes), source));

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
    public void Fixture_round_trips_unicode_quotes_and_newlines_exactly()
    {
        IReadOnlyList<PromptRecord> prompts = PromptSetLoader.LoadFile(TestPaths.Fixture("small-prompts.jsonl"));

        Assert.Equal(
            [
                new PromptRecord(1, "line-1", null, "Plain ASCII prompt."),
                new PromptRecord(3, "q1", "helpful", "She said \"hi\" and left."),
                new PromptRecord(4, "q2", null, "Line one\nLine two\ttabbed"),
                new PromptRecord(6, "q3", "red-team", "Café, Straße, 日本語 and 🙂"),
                new PromptRecord(7, "line-7", null, "Back\\slash and a solidus /"),
                new PromptRecord(8, "q4", null, "Café 🙂"),
            ],
            prompts);
        Assert.Equal("Café, Straße, \u65E5\u672C\u8A9E and \U0001F642", prompts[3].Prompt);
    }

    [Fact]
    public void Blank_lines_are_skipped_and_line_numbers_kept()
    {
        IReadOnlyList<PromptRecord> prompts = Parse("\n  \n{\"prompt\":\"a\"}\n\t\n{\"prompt\":\"b\",\"id\":\"x\"}\n\n");

        Assert.Equal([new PromptRecord(3, "line-3", null, "a"), new PromptRecord(5, "x", null, "b")], prompts);
    }

    [Fact]
    public void Crlf_bom_and_missing_final_newline_are_accepted()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"prompt\":\"a\"}\r\n\r\n{\"prompt\":\"b\"}")];
        IReadOnlyList<PromptRecord> prompts = PromptSetLoader.Parse(new MemoryStream(bytes), "p.jsonl");

        Assert.Equal([new PromptRecord(1, "line-1", null, "a"), new PromptRecord(3, "line-3", null, "b")], prompts);
    }

    [Fact]
    public void Null_id_and_kind_count_as_absent()
    {
        PromptRecord p = Parse("{\"prompt\":\"a\",\"id\":null,\"kind\":null}").Single();
        Assert.Equal(new PromptRecord(1, "line-1", null, "a"), p);
    }

    [Fact]
    public void Invalid_json_reports_its_line()
    {
        InputException ex = Fails("{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}\n{\"prompt\": oops}\n{\"prompt\":\"d\"}\n", "set.jsonl");
        AssertOneLine(ex, "set.jsonl", 3, "invalid JSON");
        Assert.Contains(":3:", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, int?, string> Cases() => new()
    {
        { "{\"prompt\":\"ok\"}\n[1, 2]\n", 2, "expected a JSON object" },
        { "\"just a string\"\n", 1, "expected a JSON object like {\"prompt\": \"...\"}, found a string" },
        { "{\"prompt\":\"ok\"}\n{\"id\":\"a\"}\n", 2, "missing required key 'prompt'" },
        { "{\"prompt\":\"\"}\n", 1, "'prompt' is empty or only whitespace" },
        { "\n\n{\"prompt\":\" \\n\\t \"}\n", 3, "'prompt' is empty or only whitespace" },
        { "{\"prompt\":42}\n", 1, "'prompt' must be a string, found a number" },
        { "{\"prompt\":null}\n", 1, "'prompt' must be a string, found null" },
        { "{\"prompt\":[\"a\"]}\n", 1, "'prompt' must be a string, found an array" },
        { "{\"prompt\":\"a\",\"promt\":\"b\"}\n", 1, "unknown key 'promt' (allowed: prompt, id, kind)" },
        { "{\"prompt\":\"a\",\"prompt\":\"b\"}\n", 1, "duplicate key 'prompt'" },
        { "{\"prompt\":\"a\",\"id\":\"has space\"}\n", 1, "invalid id 'has space'" },
        { "{\"prompt\":\"a\",\"id\":\"\"}\n", 1, "invalid id ''" },
        { "{\"prompt\":\"a\",\"id\":\"" + new string('x', 129) + "\"}\n", 1, "invalid id" },
        { "{\"prompt\":\"a\",\"id\":\"é\"}\n", 1, "invalid id 'é'" },
        { "{\"prompt\":\"a\",\"id\":\"ok\\n\"}\n", 1, "invalid id" },
        { "{\"prompt\":\"a\",\"id\":7}\n", 1, "'id' must be a string, found a number" },
        { "{\"prompt\":\"a\",\"kind\":\"red team\"}\n", 1, "invalid kind 'red team'" },
        { "{\"prompt\":\"a\",\"id\":\"dup\"}\n\n{\"prompt\":\"b\",\"id\":\"dup\"}\n", 3, "duplicate id 'dup' (first on line 1)" },
        { "{\"prompt\":\"a\",\"id\":\"line-2\"}\n{\"prompt\":\"b\"}\n", 2, "duplicate id 'line-2' (first on line 1)" },
        { "{\"prompt\":\"\\ud800 lone\"}\n", 1, "unpaired UTF-16 surrogate" },
        { "{\"prompt\":\"ok\"}\n{\"prompt\":\"nul \\u0000 inside\"}\n", 2, "'prompt' contains a NUL character" },
        { "{\"prompt\":\"a\"} {\"prompt\":\"b\"}\n", 1, "invalid JSON" },
        { "{\"prompt\":\"a\",}\n", 1, "invalid JSON" },
        { "", null, "no prompts found" },
        { "\n   \n\r\n", null, "no prompts found" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Errors_are_one_line_with_file_and_line(string text, int? line, string fragment)
    {
        AssertOneLine(Fails(text), "p.jsonl", line, fragment);
    }

    [Fact]
    public void Prompt_size_limit_is_in_utf8_bytes()
    {
        Assert.Equal(65536, PromptSetLoader.MaxPromptBytes);

        string atLimit = new('é', PromptSetLoader.MaxPromptBytes / 2); // 2 bytes each: exactly 65536 bytes
        Assert.Equal(atLimit, Parse($"{{\"prompt\":\"{atLimit}\"}}\n").Single().Prompt);

        string over = atLimit + "a";
        InputException ex = Fails($"{{\"prompt\":\"ok\"}}\n{{\"prompt\":\"{over}\"}}\n");
        AssertOneLine(ex, "p.jsonl", 2, "65537 bytes");
        Assert.Contains("limit of 65536 bytes", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 200);
    }

    [Fact]
    public void Invalid_utf8_reports_its_line()
    {
        byte[] bytes =
        [
            .. Encoding.UTF8.GetBytes("{\"prompt\":\"fine\"}\n\n{\"prompt\":\"bad "),
            0xC3, 0x28,
            .. Encoding.UTF8.GetBytes("\"}\n{\"prompt\":\"after\"}\n"),
        ];
        InputException ex = Fails(bytes, "u.jsonl");
        AssertOneLine(ex, "u.jsonl", 3, "invalid UTF-8");
        Assert.Contains("0xC3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_utf8_sequence_at_end_of_line_is_rejected()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("{\"prompt\":\"x\"}\n{\"prompt\":\"y"), 0xE6, 0x97, (byte)'\n'];
        AssertOneLine(Fails(bytes), "p.jsonl", 2, "invalid UTF-8");
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), "cai-missing-" + Guid.NewGuid().ToString("N") + ".jsonl");
        InputException ex = Assert.Throws<InputException>(() => PromptSetLoader.LoadFile(path));
        Assert.Equal($"{path}: file not found", ex.Message);
    }

    [Fact]
    public void Load_file_uses_the_path_in_errors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cai-bad-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, "{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}\n{\"prompt\": \n");
        try
        {
            InputException ex = Assert.Throws<InputException>(() => PromptSetLoader.LoadFile(path));
            AssertOneLine(ex, path, 3, "invalid JSON");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Default_set_has_about_a_hundred_prompts_with_unique_ids()
    {
        IReadOnlyList<PromptRecord> prompts = PromptSetLoader.LoadDefault();

        Assert.InRange(prompts.Count, 90, 120);
        Assert.Equal(prompts.Count, prompts.Select(p => p.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(prompts, p => Assert.False(string.IsNullOrWhiteSpace(p.Prompt)));

        var redTeam = prompts.Where(p => p.Kind == "red-team").ToList();
        var helpful = prompts.Where(p => p.Kind == "helpful").ToList();
        Assert.Equal(prompts.Count, redTeam.Count + helpful.Count);
        Assert.InRange(redTeam.Count, 65, 85);
        Assert.InRange(helpful.Count, 20, 30);
        Assert.All(redTeam, p => Assert.Matches(@"^rt-\d{3}$", p.Id));
        Assert.All(helpful, p => Assert.Matches(@"^help-\d{3}$", p.Id));

        // The set deliberately exercises quoting, newlines and non-ASCII text.
        Assert.Contains(prompts, p => p.Prompt.Contains('"'));
        Assert.Contains(prompts, p => p.Prompt.Contains('\n'));
        Assert.Contains(prompts, p => p.Prompt.Contains('é'));
        Assert.Contains(prompts, p => p.Prompt.Contains('ß'));
        Assert.Contains(prompts, p => p.Prompt.Contains("日本語", StringComparison.Ordinal));
        Assert.Contains(prompts, p => p.Prompt.EnumerateRunes().Any(r => r.Value >= 0x1F300));
    }

    [Fact]
    public void Embedded_default_is_the_repository_file()
    {
        string path = Path.Combine(TestPaths.RepoRoot(), "src", "CaiEvents.Domain", "Data", "prompts", "default.jsonl");
        Assert.Equal(PromptSetLoader.LoadFile(path), PromptSetLoader.LoadDefault());
    }
}
