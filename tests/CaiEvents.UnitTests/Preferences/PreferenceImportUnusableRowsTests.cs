using System.Text;
using CaiEvents.Domain;
using CaiEvents.Domain.Preferences;

namespace CaiEvents.UnitTests.Preferences;

/// <summary>
/// The quirks of the public HH-RLHF splits (issue 17): well-formed lines that cannot be used fail the strict load and are
/// returned apart by <see cref="PreferenceImportLoader.LoadFileWithUnusableRows"/>; malformed lines fail both.
/// Fixture: Fixtures/hh-rlhf-quirks.jsonl (lines 3, 4, 5 and 7 unusable).
/// </summary>
public class PreferenceImportUnusableRowsTests
{
    private static readonly string Fixture = TestPaths.Fixture("hh-rlhf-quirks.jsonl");

    private static LoadedPreferenceFile Lenient(string text) =>
        PreferenceImportLoader.ParseWithUnusableRows(new MemoryStream(Encoding.UTF8.GetBytes(text)), "h.jsonl");

    [Fact]
    public void Strict_load_fails_on_the_first_unusable_line_of_the_fixture()
    {
        var ex = Assert.Throws<InputException>(() => PreferenceImportLoader.LoadFile(Fixture));
        Assert.Equal(3, ex.Line);
        Assert.Equal($"{Fixture}:3: the final \"Assistant:\" reply in 'chosen' is empty or only whitespace", ex.Message);
    }

    [Fact]
    public void Lenient_load_returns_each_quirk_apart_with_its_line_and_reason()
    {
        var file = PreferenceImportLoader.LoadFileWithUnusableRows(Fixture);

        Assert.Equal([1, 2, 6], file.Records.Select(r => r.LineNumber));
        Assert.Equal("How long should I let bread dough rise?", file.Records[0].Prompt);
        Assert.Equal([3, 4, 5, 7], file.Unusable.Select(u => u.LineNumber));
        Assert.Equal(["line-3", "line-4", "line-5", "line-7"], file.Unusable.Select(u => u.Id));
        Assert.Equal("the final \"Assistant:\" reply in 'chosen' is empty or only whitespace", file.Unusable[0].Reason);
        Assert.StartsWith(
            "'chosen' and 'rejected' transcripts differ before their final \"Assistant:\" turn", file.Unusable[1].Reason, StringComparison.Ordinal);
        Assert.Equal("'chosen' and 'rejected' are identical, so the line carries no preference", file.Unusable[2].Reason);
        Assert.Equal("the final \"Assistant:\" reply in 'rejected' is empty or only whitespace", file.Unusable[3].Reason);
    }

    [Fact]
    public void Identical_texts_in_the_prompt_shape_are_unusable_too()
    {
        var file = Lenient(
            "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}\n{\"prompt\":\"p\",\"chosen\":\"same\",\"rejected\":\"same\",\"id\":\"x\"}\n");

        Assert.Equal([1], file.Records.Select(r => r.LineNumber));
        Assert.Equal(
            new UnusablePreferenceRow(2, "x", "'chosen' and 'rejected' are identical, so the line carries no preference"), Assert.Single(file.Unusable));
    }

    public static TheoryData<string, int, string> Malformed() => new()
    {
        { "{\"chosen\":\"\\n\\nHuman: q\\n\\nAssistant:\",\"rejected\":\"\\n\\nHuman: q\\n\\nAssistant: b\"}\n{\"chosen\": oops}\n", 2, "invalid JSON" },
        { "{\"prompt\":\"p\",\"chosen\":\"same\",\"rejected\":\"same\",\"extra\":\"1\"}\n", 1, "unknown key 'extra'" },
        { "{\"chosen\":\"\\n\\nHuman: q\\n\\nAssistant: a\",\"rejected\":\"no turns\"}\n", 1, "must be an HH-RLHF transcript" },
        { "{\"prompt\":\"p\",\"chosen\":\"\",\"rejected\":\"b\"}\n", 1, "'chosen' is empty or only whitespace" },
        { "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"a\",\"id\":\"bad id\"}\n", 1, "invalid id 'bad id'" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_lines_still_fail_the_lenient_load(string text, int line, string fragment)
    {
        var ex = Assert.Throws<InputException>(() => Lenient(text));
        Assert.Equal(line, ex.Line);
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_only_unusable_lines_is_not_empty()
    {
        var file = Lenient("{\"prompt\":\"p\",\"chosen\":\"same\",\"rejected\":\"same\"}\n");
        Assert.Empty(file.Records);
        Assert.Single(file.Unusable);
    }

    [Fact]
    public void The_content_hash_depends_on_the_bytes_only()
    {
        var bytes = File.ReadAllBytes(Fixture);
        var a = PreferenceImportLoader.ParseWithUnusableRows(new MemoryStream(bytes), "a.jsonl");
        var b = PreferenceImportLoader.ParseWithUnusableRows(new MemoryStream(bytes), "elsewhere/b.jsonl");
        var c = PreferenceImportLoader.ParseWithUnusableRows(new MemoryStream([.. bytes, (byte)'\n']), "a.jsonl");

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), a.Sha256);
        Assert.Equal(a.Sha256, b.Sha256);
        Assert.NotEqual(a.Sha256, c.Sha256);
    }
}
