namespace CaiEvents.UnitTests;

internal static class TestPaths
{
    /// <summary>A file copied from tests/CaiEvents.UnitTests/Fixtures into the test output directory.</summary>
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>The repository root, found by walking up from the test output directory.</summary>
    public static string RepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CaiEvents.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Could not find CaiEvents.sln above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// A file of the data kept beside the repository, in ../shared/data (CI and the development machines have it there); a
    /// worktree one level deeper finds it in an ancestor's shared/data. Missing, it fails the test: it is never skipped.
    /// </summary>
    public static string SharedData(string relativePath)
    {
        var root = RepoRoot();
        for (var dir = Directory.GetParent(root); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", relativePath);
            if (File.Exists(candidate)) return candidate;
        }
        var expected = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", relativePath));
        throw new FileNotFoundException($"{expected} is missing (nor is it in shared/data above the repository): this test needs it", expected);
    }

    /// <summary>A file the CLI's build wrote (src/CaiEvents.Cli/bin/CONFIGURATION/net10.0), for the configuration these tests were built in.</summary>
    public static string CliBuildOutput(string fileName)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0/
        var path = Path.Combine(RepoRoot(), "src", "CaiEvents.Cli", "bin", configuration, "net10.0", fileName);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build the CLI first ({configuration}): {path} is missing", path);
    }
}
