using System.Text.RegularExpressions;

namespace CaiEvents.UnitTests.Architecture;

/// <summary>
/// CLI commands parse, call one use case (CaiEvents.Application) and print: no command class calls another, and the use cases
/// never write to the console (they report through observers the CLI implements). Checked on the source.
/// </summary>
public partial class CliCommandDependencyTests
{
    [GeneratedRegex(@"^\s*(?:public|internal)\s+(?:static\s+|sealed\s+)*(?:partial\s+)?(?:class|record)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    [Fact]
    public void No_command_class_references_another_command_class()
    {
        var directory = Path.Combine(TestPaths.RepoRoot(), "src", "CaiEvents.Cli", "Commands");
        var files = Directory.GetFiles(directory, "*.cs").ToDictionary(f => f, File.ReadAllText);
        var commandTypes = files.SelectMany(f => TypeDeclaration().Matches(f.Value).Select(m => (File: f.Key, Type: m.Groups[1].Value))).ToList();
        Assert.Contains(commandTypes, t => t.Type == "RunCommands");

        var violations = (
            from file in files
            from declared in commandTypes.Where(t => t.File == file.Key)
            from other in commandTypes.Where(t => t.File != file.Key)
            where Regex.IsMatch(file.Value, $@"\b{other.Type}\b")
            select $"{declared.Type} references {other.Type}").Distinct().ToList();
        Assert.Empty(violations);
    }

    [Fact]
    public void Use_cases_do_not_write_to_the_console()
    {
        var directory = Path.Combine(TestPaths.RepoRoot(), "src", "CaiEvents.Application");
        var writers = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => Regex.IsMatch(File.ReadAllText(f), @"\b(Console|AnsiConsole)\."))
            .Select(Path.GetFileName).ToList();
        Assert.Empty(writers);
    }
}
