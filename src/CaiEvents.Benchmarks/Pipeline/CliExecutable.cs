using System.Diagnostics;
using System.Reflection;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>How a benchmark starts another <c>cai</c> command as a child process in its schema and virtual host.</summary>
public static class CliExecutable
{
    /// <summary>
    /// This process's executable (the CLI's apphost), or <c>dotnet</c> with the entry assembly (the CLI's dll) when the CLI
    /// runs as <c>dotnet cai.dll</c>; output redirected, the benchmark's schema and virtual host in the environment.
    /// </summary>
    public static ProcessStartInfo StartInfo(BenchmarkEnvironment environment, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(arguments);
        var self = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(self) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            var entry = Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("no entry assembly to start a child process from");
            info.ArgumentList.Add(entry.Location);
        }
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment.ChildEnvironment) info.Environment[k] = v;
        return info;
    }
}
