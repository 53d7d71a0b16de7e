using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaiEvents.Domain;
using CaiEvents.Domain.Prompts;
using CaiEvents.Workers.Submission;

namespace CaiEvents.UnitTests.Prompts;

/// <summary>
/// <see cref="PromptFile"/> (the prompt list a run is submitted from) against <see cref="PromptSetLoader.LoadFile"/> (the
/// whole file read into memory): the same records and the same errors, read back block by block.
/// </summary>
public sealed class PromptFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cai-prompt-file-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Blank lines, CRLF and LF ends, ids and kinds, escapes, non-ASCII text; a byte order mark; no final line end.</summary>
    private static byte[] MixedFile(int prompts)
    {
        var text = new StringBuilder();
        for (var i = 0; i < prompts; i++)
        {
            if (i % 7 == 3) text.Append("\r\n");
            var prompt = JsonSerializer.Serialize($"prompt {i}: \"quoted\", Café 🙂\n{new string('x', i % 50)}");
            text.Append(i % 3 == 0 ? $"{{\"prompt\":{prompt},\"id\":\"p{i}\",\"kind\":\"red-team\"}}" : $"{{\"prompt\":{prompt}}}");
            if (i < prompts - 1) text.Append(i % 2 == 0 ? "\r\n" : "\n");
        }
        return [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    [Fact]
    public void Reads_the_same_records_as_the_whole_file_loader_across_block_boundaries()
    {
        var path = Write("mixed.jsonl", MixedFile(2 * PromptFile.BlockSize + 300));
        var expected = PromptSetLoader.LoadFile(path);
        var file = PromptSetLoader.OpenFile(path);

        Assert.Equal(expected.Count, file.Count);
        Assert.Equal(expected, file.ToList());
        // Out of order too: a block is read again when an index outside it is asked for.
        foreach (var i in new[] { 2 * PromptFile.BlockSize + 299, 0, PromptFile.BlockSize, PromptFile.BlockSize - 1, 1500 })
            Assert.Equal(expected[i], file[i]);
    }

    [Fact]
    public void A_line_longer_than_the_read_buffer_is_one_prompt()
    {
        var big = new string('é', PromptSetLoader.MaxPromptBytes / 2); // 65,536 bytes of UTF-8, 131 kB of \u-escaped JSON
        var line = "{\"prompt\":" + JsonSerializer.Serialize(big) + "}";
        var path = Write("long.jsonl", Encoding.UTF8.GetBytes($"{{\"prompt\":\"a\"}}\n{line}\n{{\"prompt\":\"b\"}}\n"));

        var file = PromptSetLoader.OpenFile(path);

        Assert.Equal(["a", big, "b"], file.Select(p => p.Prompt));
        Assert.Equal([1, 2, 3], file.Select(p => p.LineNumber));
    }

    [Theory]
    [InlineData("{\"prompt\":\"a\"}\n{\"prompt\":\"b\",\"id\":\"x\"}\n{\"prompt\":\"c\",\"id\":\"x\"}\n", 3, "duplicate id 'x' (first on line 2)")]
    [InlineData("{\"prompt\":\"a\"}\n\n{\"prompt\":\n", 3, "invalid JSON")]
    [InlineData("{\"prompt\":\"a\"}\n{\"prompt\":\"  \"}\n", 2, "'prompt' is empty or only whitespace")]
    [InlineData("\n\n", null, "no prompts found")]
    public void Refuses_what_the_whole_file_loader_refuses_with_the_same_line(string text, int? line, string fragment)
    {
        var path = Write("bad.jsonl", Encoding.UTF8.GetBytes(text));

        var streamed = Assert.Throws<InputException>(() => PromptSetLoader.OpenFile(path));
        var whole = Assert.Throws<InputException>(() => PromptSetLoader.LoadFile(path));

        Assert.Equal(whole.Message, streamed.Message);
        Assert.Equal(line, streamed.Line);
        Assert.Contains(fragment, streamed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_refused_with_its_line()
    {
        var path = Write("utf8.jsonl", [.. Encoding.UTF8.GetBytes("{\"prompt\":\"a\"}\n{\"prompt\":\""), 0xC3, 0x28, .. "\"}\n"u8]);

        var error = Assert.Throws<InputException>(() => PromptSetLoader.OpenFile(path));

        Assert.Equal(2, error.Line);
        Assert.Contains("invalid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_one_clear_line()
    {
        var error = Assert.Throws<InputException>(() => PromptSetLoader.OpenFile(Path.Combine(_dir, "none.jsonl")));
        Assert.EndsWith("none.jsonl: file not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_changed_after_it_was_validated_is_refused_when_next_read()
    {
        var path = Write("changing.jsonl", MixedFile(PromptFile.BlockSize + 10));
        var file = PromptSetLoader.OpenFile(path);
        Assert.Equal("p0", file[0].Id);

        File.AppendAllText(path, "\n{\"prompt\":\"added later\"}");

        var error = Assert.Throws<InputException>(() => file[PromptFile.BlockSize]);
        Assert.Contains("changed while its prompts were being submitted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_prompt_set_hash_is_the_documented_sha256_of_the_whole_json_array()
    {
        var path = Write("hash.jsonl", MixedFile(1200));
        var prompts = PromptSetLoader.LoadFile(path);
        // The documented definition, computed the direct way: the whole array as one string, then its UTF-8 bytes.
        var json = JsonSerializer.Serialize(prompts.Select(p => new[] { p.Id, p.Kind ?? "", p.Prompt }));
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(expected, RunSubmitter.PromptSetHash(prompts));
        Assert.Equal(expected, RunSubmitter.PromptSetHash(PromptSetLoader.OpenFile(path)));
    }
}
