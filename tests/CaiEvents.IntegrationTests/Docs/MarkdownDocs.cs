using System.Text.RegularExpressions;

namespace CaiEvents.IntegrationTests.Docs;

/// <summary>
/// Reads the repository's documentation (README.md and docs/**/*.md): the command blocks marked runnable, and the
/// relative links. Only the marker line directly above a fence counts, so a block stays unmarked unless someone says so.
/// </summary>
public static partial class MarkdownDocs
{
    public const string RunnableMarker = "<!-- runnable -->";

    /// <summary>The repository root: the directory above the test binaries that holds CaiEvents.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CaiEvents.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("repository root (CaiEvents.sln) not found");
        }
    }

    /// <summary>README.md and every Markdown file under docs/, as repository-relative paths with '/' separators, sorted.</summary>
    public static IReadOnlyList<string> Files(string root)
    {
        var files = new List<string> { "README.md" };
        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
            files.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')));
        return [.. files.Order(StringComparer.Ordinal)];
    }

    /// <summary>Every ```bash block whose opening fence directly follows the line <see cref="RunnableMarker"/>.</summary>
    public static IReadOnlyList<DocBlock> RunnableBlocks(string root) =>
        [.. Files(root).SelectMany(file => RunnableBlocks(file, File.ReadAllLines(Path.Combine(root, file))))];

    public static IEnumerable<DocBlock> RunnableBlocks(string file, IReadOnlyList<string> lines)
    {
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].Trim() != "```bash" || lines[i - 1].Trim() != RunnableMarker) continue;
            var end = i + 1;
            while (end < lines.Count && lines[end].Trim() != "```") end++;
            if (end == lines.Count) throw new FormatException($"{file}:{i + 1}: runnable block has no closing fence");
            yield return new DocBlock(file, i + 1, string.Join('\n', lines.Skip(i + 1).Take(end - i - 1)) + "\n");
            i = end;
        }
    }

    /// <summary>
    /// Relative link targets of a Markdown file, as (1-based line, target without #fragment): inline links and images
    /// outside code. Absolute URLs, mail links and pure #fragments are not files and are skipped.
    /// </summary>
    public static IEnumerable<(int Line, string Target)> RelativeLinks(IReadOnlyList<string> lines)
    {
        var inFence = false;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }
            if (inFence) continue;
            var text = InlineCode().Replace(lines[i], "");
            foreach (Match m in Link().Matches(text))
            {
                var target = m.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)
                    || target.StartsWith('#')) continue;
                var hash = target.IndexOf('#');
                yield return (i + 1, hash < 0 ? target : target[..hash]);
            }
        }
    }

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex Link();
}
