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
}
