using CaiEvents.IntegrationTests.Docs;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// The documentation's commands work: every ```bash block marked <c>&lt;!-- runnable --&gt;</c> in README.md and docs/**/*.md
/// runs (bash, set -euo pipefail) in a mirror of the repository whose <c>./cai</c> is the built CLI pointed at this test's
/// own schema and virtual host; and every relative link in those files points to a file that exists.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class RunnableDocsTests
{
    private static readonly TimeSpan BlockTimeout = TimeSpan.FromMinutes(6);

    public static TheoryData<string> Blocks() => [.. MarkdownDocs.RunnableBlocks(MarkdownDocs.RepositoryRoot).Select(b => b.Location)];

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task Runnable_block_succeeds(string location)
    {
        var root = MarkdownDocs.RepositoryRoot;
        var block = MarkdownDocs.RunnableBlocks(root).Single(b => b.Location == location);
        await using var services = await TestServices.StartAsync();
        using var sandbox = new DocSandbox(root, CliProcess.CliDll, services.HostConfiguration().AsEnumerable());
        var (exitCode, output) = await sandbox.RunAsync(block.Script, BlockTimeout);
        Assert.True(exitCode == 0, $"{block.Location}: the block exited with {exitCode}; output tail:\n{output}");
    }

    [Fact]
    public void The_docs_have_runnable_blocks()
    {
        var blocks = MarkdownDocs.RunnableBlocks(MarkdownDocs.RepositoryRoot);
        Assert.Contains(blocks, b => b.File == "README.md");
        Assert.Contains(blocks, b => b.File.StartsWith("docs/", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_a_bash_block_directly_below_the_marker_is_runnable()
    {
        string[] lines =
        [
            "<!-- runnable -->", "```bash", "./cai --help", "```",
            "<!-- runnable -->", "", "```bash", "./cai demo", "```",
            "```bash", "./cai test", "```",
            "<!-- runnable -->", "```text", "not bash", "```",
        ];
        var block = Assert.Single(MarkdownDocs.RunnableBlocks("x.md", lines));
        Assert.Equal(new DocBlock("x.md", 2, "./cai --help\n"), block);
        Assert.Equal("x.md:2", block.Location);
    }

    [Fact]
    public void Every_relative_link_points_to_an_existing_file()
    {
        var root = MarkdownDocs.RepositoryRoot;
        var broken = new List<string>();
        foreach (var file in MarkdownDocs.Files(root))
        {
            var directory = Path.GetDirectoryName(Path.Combine(root, file))!;
            foreach (var (line, target) in MarkdownDocs.RelativeLinks(File.ReadAllLines(Path.Combine(root, file))))
            {
                var path = Path.GetFullPath(Path.Combine(directory, Uri.UnescapeDataString(target)));
                if (!File.Exists(path) && !Directory.Exists(path)) broken.Add($"{file}:{line}: {target}");
            }
        }
        Assert.True(broken.Count == 0, "broken relative links:\n" + string.Join('\n', broken));
    }
}
