using System.Security.Cryptography;
using System.Text;
using CaiEvents.Domain;
using CaiEvents.Domain.Constitutions;

namespace CaiEvents.UnitTests.Constitutions;

public class ConstitutionLoaderTests
{
    // Line numbers matter: the error tests below refer to them.
    private static readonly string[] ValidLines =
    [
        "id: test",                      // 1
        "version: 1",                    // 2
        "description: A test.",          // 3
        "critique_revision:",            // 4
        "  - id: first",                 // 5
        "    critique: Critique one?",   // 6
        "    revision: Revise one.",     // 7
        "  - id: second",                // 8
        "    critique: Critique two?",   // 9
        "    revision: Revise two.",     // 10
        "comparison:",                   // 11
        "  - id: better",                // 12
        "    question: Which is better?", // 13
    ];

    private static string Valid() => string.Join("\n", ValidLines) + "\n";

    /// <summary>The valid document with 1-based line <paramref name="line"/> replaced (null deletes it).</summary>
    private static string WithLine(int line, string? replacement)
    {
        var lines = ValidLines.ToList();
        if (replacement is null)
        {
            lines.RemoveAt(line - 1);
        }
        else
        {
            lines[line - 1] = replacement;
        }

        return string.Join("\n", lines) + "\n";
    }

    private static InputException ParseFails(string yaml, string source = "bad.yaml") =>
        Assert.Throws<InputException>(() => ConstitutionLoader.Parse(yaml, source));

    private static void AssertOneLine(InputException ex, string source, int? line, string expectedFragment)
    {
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
        string prefix = line is { } l ? $"{source}:{l}: " : $"{source}: ";
        Assert.StartsWith(prefix, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expectedFragment, ex.Message, StringComparison.Ordinal);
        Assert.Equal(source, ex.Source);
        Assert.Equal(line, ex.Line);
        Assert.Equal(ex.Message, prefix + ex.Problem);
    }

    [Fact]
    public void Default_constitution_loads_with_enough_unique_principles()
    {
        Constitution c = ConstitutionLoader.LoadDefault();

        Assert.Equal("cai-default", c.Id);
        Assert.True(c.Version >= 1);
        Assert.False(string.IsNullOrWhiteSpace(c.Description));
        Assert.True(c.CritiqueRevision.Count >= 16, $"only {c.CritiqueRevision.Count} critique/revision pairs");
        Assert.True(c.Comparison.Count >= 10, $"only {c.Comparison.Count} comparison principles");

        var ids = c.CritiqueRevision.Select(p => p.Id).Concat(c.Comparison.Select(p => p.Id)).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(c.CritiqueRevision, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.CritiqueRequest));
            Assert.False(string.IsNullOrWhiteSpace(p.RevisionRequest));
        });
        Assert.All(c.Comparison, p => Assert.EndsWith("?", p.Question, StringComparison.Ordinal));
    }

    [Fact]
    public void Default_constitution_hash_is_sha256_of_its_text_and_stable()
    {
        Constitution c = ConstitutionLoader.LoadDefault();
        string expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(c.SourceText)));

        Assert.Equal(expected, c.ContentHash);
        Assert.Matches("^[0-9a-f]{64}$", c.ContentHash);
        Assert.Equal(c.ContentHash, ConstitutionLoader.Parse(c.SourceText, "again.yaml").ContentHash);
        Assert.Equal(c.ContentHash, ConstitutionLoader.LoadDefault().ContentHash);
    }

    [Fact]
    public void Embedded_default_is_the_repository_file()
    {
        string path = Path.Combine(TestPaths.RepoRoot(), "constitutions", "default.yaml");
        Constitution fromFile = ConstitutionLoader.LoadFile(path);
        Constitution embedded = ConstitutionLoader.LoadDefault();

        Assert.Equal(File.ReadAllText(path), embedded.SourceText);
        Assert.Equal(fromFile.ContentHash, embedded.ContentHash);
    }

    [Fact]
    public void Find_critique_revision_by_id()
    {
        Constitution c = ConstitutionLoader.LoadDefault();

        CritiqueRevisionPrinciple? p = c.FindCritiqueRevision("harm-general");
        Assert.NotNull(p);
        Assert.Equal("harm-general", p.Id);
        Assert.Null(c.FindCritiqueRevision("no-such-principle"));
        Assert.NotNull(c.FindComparison(c.Comparison[0].Id));
        Assert.Null(c.FindComparison("harm-general"));
    }

    [Fact]
    public void Fixture_file_loads_and_trims_folded_text()
    {
        Constitution c = ConstitutionLoader.LoadFile(TestPaths.Fixture("small-constitution.yaml"));

        Assert.Equal("test-small", c.Id);
        Assert.Equal(2, c.Version);
        Assert.Equal(["be-kind", "be-accurate"], c.CritiqueRevision.Select(p => p.Id));
        Assert.Equal("Where is the reply unkind?", c.CritiqueRevision[0].CritiqueRequest);
        Assert.Equal("Rewrite the reply so that it is kind.", c.CritiqueRevision[0].RevisionRequest);
        Assert.Equal(new ComparisonPrinciple("kinder", "Which reply is kinder?"), c.Comparison.Single());
        Assert.Equal(Constitution.ComputeContentHash(File.ReadAllText(TestPaths.Fixture("small-constitution.yaml"))), c.ContentHash);
    }

    [Fact]
    public void Valid_document_parses()
    {
        Constitution c = ConstitutionLoader.Parse(Valid(), "ok.yaml");
        Assert.Equal(2, c.CritiqueRevision.Count);
        Assert.Equal(Valid(), c.SourceText);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), "cai-no-such-dir-" + Guid.NewGuid().ToString("N"), "c.yaml");
        InputException ex = Assert.Throws<InputException>(() => ConstitutionLoader.LoadFile(path));
        AssertOneLine(ex, path, null, "file not found");
    }

    [Fact]
    public void Invalid_utf8_in_file_reports_the_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cai-bad-utf8-{Guid.NewGuid():N}.yaml");
        byte[] good = Encoding.UTF8.GetBytes("id: test\nversion: 1\ndescription: ");
        File.WriteAllBytes(path, [.. good, 0xC3, 0x28, (byte)'\n']);
        try
        {
            InputException ex = Assert.Throws<InputException>(() => ConstitutionLoader.LoadFile(path));
            AssertOneLine(ex, path, 3, "invalid UTF-8");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Invalid_yaml_syntax_reports_the_parser_line()
    {
        InputException ex = ParseFails(WithLine(9, "    critique: \"unterminated"));
        Assert.StartsWith("bad.yaml:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("invalid YAML", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.NotNull(ex.Line);
        Assert.InRange(ex.Line.Value, 9, 14);
    }

    [Fact]
    public void Invalid_yaml_indentation_reports_its_line()
    {
        InputException ex = ParseFails(WithLine(6, "   critique: misindented"));
        AssertOneLine(ex, "bad.yaml", 6, "invalid YAML");
    }

    [Fact]
    public void Unclosed_flow_list_at_end_is_an_input_error_not_a_crash()
    {
        InputException ex = ParseFails("id: test\nversion: 1\ndescription: [unclosed\n");
        Assert.StartsWith("bad.yaml:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("invalid YAML", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.Line);
    }

    public static TheoryData<string, int?, string> Cases() => new()
    {
        // missing required fields: reported at the line of the entry
        { WithLine(3, null), 1, "missing required field 'description'" },
        { WithLine(1, null), 1, "missing required field 'id'" },
        { WithLine(10, null), 8, "critique_revision[1]: missing required field 'revision'" },
        { WithLine(12, "  - question: Which is better?").Replace("    question: Which is better?\n", ""), 12, "comparison[0]: missing required field 'id'" },
        // wrong types
        { WithLine(2, "version: \"1\""), 2, "version: expected a whole number >= 1, found a quoted string" },
        { WithLine(2, "version: one"), 2, "version: expected a whole number >= 1, found 'one'" },
        { WithLine(2, "version: 1.5"), 2, "version: expected a whole number >= 1" },
        { WithLine(2, "version: 0"), 2, "version: must be >= 1, found 0" },
        { WithLine(2, "version: [1]"), 2, "version: expected a whole number >= 1, found a list" },
        { WithLine(9, "    critique: [a, b]"), 9, "critique_revision[1].critique: expected a string, found a list" },
        { WithLine(3, "description: {a: b}"), 3, "description: expected a string, found a mapping" },
        { WithLine(11, "comparison: nope").Replace("  - id: better\n    question: Which is better?\n", ""), 11, "comparison: expected a list, found a scalar" },
        { WithLine(8, "  - just a string").Replace("    critique: Critique two?\n    revision: Revise two.\n", ""), 8, "critique_revision[1]: expected a mapping" },
        { "- a\n- b\n", 1, "expected a mapping with keys id, version" },
        // unknown keys
        { WithLine(3, "descripton: A test."), 3, "unknown key 'descripton'" },
        { WithLine(9, "    critque: Critique two?"), 9, "critique_revision[1]: unknown key 'critque' (allowed: id, critique, revision)" },
        { WithLine(13, "    question: Which?\n    weight: 2"), 14, "comparison[0]: unknown key 'weight'" },
        // ids
        { WithLine(8, "  - id: Second_One"), 8, "critique_revision[1].id: invalid id 'Second_One'" },
        { WithLine(1, "id: Test Constitution"), 1, "id: invalid id 'Test Constitution'" },
        { WithLine(8, "  - id: first"), 8, "critique_revision[1]: duplicate id 'first' (first at line 5)" },
        { WithLine(12, "  - id: second"), 12, "comparison[0]: duplicate id 'second' (first at line 8)" },
        // empty lists and strings
        { "id: test\nversion: 1\ndescription: d\ncritique_revision: []\ncomparison:\n  - id: x\n    question: q?\n", 4, "critique_revision: the list is empty" },
        { WithLine(11, "comparison: []").Replace("  - id: better\n    question: Which is better?\n", ""), 11, "comparison: the list is empty" },
        { WithLine(6, "    critique: \"\""), 6, "critique_revision[0].critique: must not be empty" },
        { WithLine(6, "    critique:"), 6, "critique_revision[0].critique: must not be empty" },
        { WithLine(6, "    critique: '   '"), 6, "critique_revision[0].critique: must not be empty" },
        { WithLine(6, "    critique: \"a \\0 b\""), 6, "critique_revision[0].critique: contains a NUL character" },
        { WithLine(6, "    critique: ~"), 6, "critique_revision[0].critique: expected a string, found null" },
        // document shape
        { "", null, "the file is empty" },
        { "# only a comment\n", null, "the file is empty" },
        { Valid() + "---\nid: again\n", 15, "expected a single YAML document" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validation_errors_are_one_line_with_file_and_line(string yaml, int? line, string fragment)
    {
        InputException ex = ParseFails(yaml);
        AssertOneLine(ex, "bad.yaml", line, fragment);
    }

    [Fact]
    public void Duplicate_key_is_rejected_with_its_line()
    {
        InputException ex = ParseFails(WithLine(7, "    revision: Revise one.\n    critique: Again?"));
        Assert.StartsWith("bad.yaml:8: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("uplicate key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_message_uses_the_given_source_name()
    {
        InputException ex = ParseFails(WithLine(8, "  - id: first"), "default.yaml");
        Assert.Equal("default.yaml:8: critique_revision[1]: duplicate id 'first' (first at line 5)", ex.Message);
    }
}
