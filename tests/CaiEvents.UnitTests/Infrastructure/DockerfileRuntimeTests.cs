using System.Text.Json;
using System.Text.RegularExpressions;

namespace CaiEvents.UnitTests.Infrastructure;

/// <summary>
/// The Dockerfile's runtime stage provides every shared framework the built CLI's cai.runtimeconfig.json asks for (the dashboard
/// makes it ask for Microsoft.AspNetCore.App): a missing framework makes every container exit at start.
/// </summary>
public partial class DockerfileRuntimeTests
{
    /// <summary>The shared frameworks each official .NET image ships (mcr.microsoft.com/dotnet/...).</summary>
    private static readonly Dictionary<string, string[]> FrameworksOfImage = new(StringComparer.Ordinal)
    {
        ["mcr.microsoft.com/dotnet/runtime-deps"] = [],
        ["mcr.microsoft.com/dotnet/runtime"] = ["Microsoft.NETCore.App"],
        ["mcr.microsoft.com/dotnet/aspnet"] = ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"],
        ["mcr.microsoft.com/dotnet/sdk"] = ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"],
    };

    [Fact]
    public void The_runtime_stage_provides_every_framework_the_cli_runtimeconfig_lists()
    {
        var (image, tag) = RuntimeStageImage(File.ReadAllText(Path.Combine(TestPaths.RepoRoot(), "infra", "docker", "Dockerfile")));
        var required = RequiredFrameworks(File.ReadAllText(TestPaths.CliBuildOutput("cai.runtimeconfig.json")));
        Assert.Contains("Microsoft.AspNetCore.App", required.Select(f => f.Name)); // the dashboard; if this changes, so may the image
        Assert.Empty(Missing(image, tag, required));
    }

    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime", "10.0", "Microsoft.AspNetCore.App 10.0.0")]
    [InlineData("mcr.microsoft.com/dotnet/aspnet", "9.0", "Microsoft.NETCore.App 10.0.0, Microsoft.AspNetCore.App 10.0.0")]
    [InlineData("mcr.microsoft.com/dotnet/aspnet", "10.0", "")]
    public void The_check_names_what_an_image_lacks(string image, string tag, string expected)
    {
        (string, string)[] required = [("Microsoft.NETCore.App", "10.0.0"), ("Microsoft.AspNetCore.App", "10.0.0")];
        Assert.Equal(expected, string.Join(", ", Missing(image, tag, required)));
    }

    /// <summary>Frameworks (name version) that the image does not provide in the major.minor that the runtimeconfig asks for.</summary>
    private static IEnumerable<string> Missing(string image, string tag, IEnumerable<(string Name, string Version)> required)
    {
        var provided = FrameworksOfImage.TryGetValue(image, out var frameworks) ? frameworks : throw new InvalidOperationException($"unknown image {image}");
        var release = Version.Parse(tag.Split('-')[0]); // 10.0, 10.0-noble, ...
        return required.Where(f => !provided.Contains(f.Name) || Version.Parse(f.Version) is var v && (v.Major, v.Minor) != (release.Major, release.Minor))
            .Select(f => $"{f.Name} {f.Version}");
    }

    private static List<(string Name, string Version)> RequiredFrameworks(string runtimeConfig)
    {
        var options = JsonDocument.Parse(runtimeConfig).RootElement.GetProperty("runtimeOptions");
        var list = options.TryGetProperty("frameworks", out var many) ? many.EnumerateArray().ToList() : [options.GetProperty("framework")];
        return [.. list.Select(f => (f.GetProperty("name").GetString()!, f.GetProperty("version").GetString()!))];
    }

    /// <summary>The image and tag of the stage named runtime, with ARG defaults substituted.</summary>
    private static (string Image, string Tag) RuntimeStageImage(string dockerfile)
    {
        var args = ArgDefault().Matches(dockerfile).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
        var from = RuntimeFrom().Match(dockerfile);
        Assert.True(from.Success, "no `FROM ... AS runtime` stage in infra/docker/Dockerfile");
        var reference = Variable().Replace(from.Groups[1].Value, m => args.TryGetValue(m.Groups[1].Value, out var value) ? value
            : throw new InvalidOperationException($"ARG {m.Groups[1].Value} has no default"));
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }

    [GeneratedRegex(@"^ARG\s+(\w+)=(\S+)", RegexOptions.Multiline)]
    private static partial Regex ArgDefault();

    [GeneratedRegex(@"^FROM\s+(\S+)\s+AS\s+runtime\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex RuntimeFrom();

    [GeneratedRegex(@"\$\{(\w+)\}")]
    private static partial Regex Variable();
}
