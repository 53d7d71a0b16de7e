using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CaiEvents.UnitTests.Architecture;

/// <summary>
/// The layering README and docs/architecture.md describe, checked on the sources and project files, so a change that
/// breaks it fails here instead of slowly eroding the structure.
/// </summary>
public class ArchitectureRulesTests
{
    private static readonly string Src = Path.Combine(TestPaths.RepoRoot(), "src");

    private static IEnumerable<string> SourceFiles(string project) =>
        Directory.EnumerateFiles(Path.Combine(Src, project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));

    private static IReadOnlyList<string> ProjectReferences(string project) =>
        XDocument.Load(Path.Combine(Src, project, project + ".csproj")).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value)).ToList();

    private static IReadOnlyList<string> PackageReferences(string project) =>
        XDocument.Load(Path.Combine(Src, project, project + ".csproj")).Descendants("PackageReference")
            .Select(r => r.Attribute("Include")!.Value).ToList();

    [Fact]
    public void No_source_line_is_longer_than_160_characters()
    {
        var longLines = Directory.GetDirectories(Src).Select(Path.GetFileName).SelectMany(p => SourceFiles(p!))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, line.Length)))
            .Where(l => l.Length > 160)
            .Select(l => $"{Path.GetRelativePath(Src, l.File)}:{l.Line} ({l.Length})").ToList();
        Assert.True(longLines.Count == 0, "lines over 160 characters:\n" + string.Join("\n", longLines));
    }

    [Fact]
    public void Contracts_depend_on_nothing()
    {
        Assert.Empty(ProjectReferences("CaiEvents.Contracts"));
        Assert.Empty(PackageReferences("CaiEvents.Contracts"));
    }

    [Fact]
    public void The_hosting_defaults_reference_no_role()
    {
        Assert.DoesNotContain("CaiEvents.Workers", ProjectReferences("CaiEvents.Hosting"));
        // Comments may name the Workers (they compose hosts from these defaults); code may not use them.
        var uses = SourceFiles("CaiEvents.Hosting")
            .Where(f => File.ReadLines(f).Any(l => Regex.IsMatch(l, @"^\s*(global\s+)?using\s+(static\s+)?CaiEvents\.Workers\b"))).ToList();
        Assert.True(uses.Count == 0, "Hosting uses the Workers: " + string.Join(", ", uses));
    }

    [Fact]
    public void Models_hold_no_messaging_and_no_event_store()
    {
        Assert.DoesNotContain(PackageReferences("CaiEvents.Models"), p => p.StartsWith("MassTransit", StringComparison.Ordinal) || p == "Marten");
        Assert.DoesNotContain("CaiEvents.EventStore", ProjectReferences("CaiEvents.Models"));
    }

    [Theory]
    [InlineData("Generator")]
    [InlineData("Critic")]
    [InlineData("Reviser")]
    [InlineData("Labeller")]
    [InlineData("PMTrainer")]
    [InlineData("PPOLearner")]
    [InlineData("SftTrainer")]
    public void Each_role_folder_has_its_registration_module(string role)
    {
        var folder = Path.Combine(Src, "CaiEvents.Workers", role);
        var module = Path.Combine(folder, role + "Role.cs");
        Assert.True(File.Exists(module), $"{module} is missing");
        Assert.Matches(new Regex($@"public static IServiceCollection Add{role}Role\(\s*this IServiceCollection services,\s*IConfiguration configuration\)"),
            File.ReadAllText(module));
    }
}
