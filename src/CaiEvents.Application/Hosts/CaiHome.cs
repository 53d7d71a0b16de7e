using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Hosts;

/// <summary>The folder for datasets, checkpoints and other outputs.</summary>
public static class CaiHome
{
    /// <summary>CAI_HOME (./cai sets it to the repo's .cai folder), else ./.cai.</summary>
    public static string Directory(IConfiguration configuration) =>
        Path.GetFullPath(configuration["CAI_HOME"] ?? Path.Combine(Environment.CurrentDirectory, ".cai"));
}
