using CaiEvents.Application;
using CaiEvents.Application.ModelManagement;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Application;

/// <summary><c>cai model compare --prompts F</c>: one prompt per line, UTF-8, errors naming the file and the line.</summary>
public class ComparisonPromptsTests
{
    [Fact]
    public void Lines_are_prompts_with_crlf_and_blank_lines_handled()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("p.txt"), [.. "\uFEFF"u8.ToArray(), .. "first\r\n\r\n  second  \nthird 漢字 🙂"u8.ToArray()]);

        Assert.Equal(["first", "  second  ", "third 漢字 🙂"], ComparisonPrompts.Read(dir.File("p.txt")));
    }

    [Fact]
    public void Invalid_utf8_names_the_file_and_line()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("p.txt"), [.. "ok\nstill ok\ncaf"u8.ToArray(), 0xFF, .. "\n"u8.ToArray()]);

        var e = Assert.Throws<UsageException>(() => ComparisonPrompts.Read(dir.File("p.txt")));

        Assert.Equal($"{dir.File("p.txt")}:3: invalid UTF-8 (byte 0xFF)", e.Message);
    }

    [Fact]
    public void A_missing_or_empty_file_is_one_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("empty.txt"), "\n  \n");

        Assert.Equal($"{dir.File("none.txt")}: file not found", Assert.Throws<UsageException>(() => ComparisonPrompts.Read(dir.File("none.txt"))).Message);
        Assert.Equal($"{dir.File("empty.txt")}: no prompts found", Assert.Throws<UsageException>(() => ComparisonPrompts.Read(dir.File("empty.txt"))).Message);
    }

    [Fact]
    public void The_default_prompts_include_hard_text() =>
        Assert.Contains(ComparisonPrompts.Default, p => p.Contains("  ", StringComparison.Ordinal) && p.StartsWith(' '));
}
