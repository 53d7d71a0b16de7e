namespace CaiEvents.IntegrationTests.Docs;

/// <summary>
/// A fenced ```bash block marked <c>&lt;!-- runnable --&gt;</c>: where it is (repository-relative file, 1-based line of its
/// opening fence) and its script.
/// </summary>
public sealed record DocBlock(string File, int Line, string Script)
{
    /// <summary>The test case's name: <c>docs/models.md:42</c>.</summary>
    public string Location => $"{File}:{Line}";
}
