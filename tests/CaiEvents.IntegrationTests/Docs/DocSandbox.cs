using System.Diagnostics;
using System.Text;

namespace CaiEvents.IntegrationTests.Docs;

/// <summary>
/// A temporary directory that looks like the repository to a docs command block: a symlink to each of the repository's
/// top-level entries, except that <c>./cai</c> is a wrapper that runs the built CLI with one test's settings (its own
/// schema and virtual host), never the real launcher, which would build and start services.
/// </summary>
public sealed class DocSandbox : IDisposable
{
    private const string Launcher = "cai";
    private readonly DirectoryInfo _directory;

    public string Directory => _directory.FullName;

    /// <param name="repositoryRoot">The repository to mirror.</param>
    /// <param name="cliDll">The built cai.dll the wrapper runs.</param>
    /// <param name="settings">Configuration keys (<c>RabbitMq:VirtualHost</c>) the wrapper exports as environment variables.</param>
    public DocSandbox(string repositoryRoot, string cliDll, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        _directory = System.IO.Directory.CreateTempSubdirectory("cai-docs-");
        foreach (var entry in new DirectoryInfo(repositoryRoot).EnumerateFileSystemInfos())
        {
            if (entry.Name == Launcher) continue;
            var link = Path.Combine(Directory, entry.Name);
            if (entry is DirectoryInfo) System.IO.Directory.CreateSymbolicLink(link, entry.FullName);
            else File.CreateSymbolicLink(link, entry.FullName);
        }
        var wrapper = new StringBuilder("#!/usr/bin/env bash\n# Test wrapper: the built CLI with this test's schema and virtual host.\nset -euo pipefail\n");
        foreach (var (key, value) in settings.Where(s => s.Value is not null).OrderBy(s => s.Key, StringComparer.Ordinal))
            wrapper.Append("export ").Append(key.Replace(":", "__", StringComparison.Ordinal)).Append('=').Append(Quote(value!)).Append('\n');
        wrapper.Append("exec dotnet ").Append(Quote(cliDll)).Append(" \"$@\"\n");
        var path = Path.Combine(Directory, Launcher);
        File.WriteAllText(path, wrapper.ToString());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Runs <paramref name="script"/> with <c>bash</c> under <c>set -euo pipefail</c> in the sandbox: exit code and output (stdout and stderr as they came).</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(string script, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("set -euo pipefail\n" + script);
        info.Environment["DOTNET_NOLOGO"] = "1";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            lock (output) output.AppendLine($"[killed: still running after {timeout}]");
            return (-1, Tail(output));
        }
        process.WaitForExit(); // flush the async readers
        return (process.ExitCode, Tail(output));
    }

    private static string Tail(StringBuilder output)
    {
        const int max = 4000;
        lock (output) return output.Length <= max ? output.ToString() : "…" + output.ToString(output.Length - max, max);
    }

    /// <summary>A single-quoted bash word.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public void Dispose()
    {
        // Delete the links, never what they point to: the sandbox's own files are the only thing removed recursively.
        foreach (var entry in _directory.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) entry.Delete();
            else if (entry is DirectoryInfo d) d.Delete(recursive: true);
            else entry.Delete();
        }
        _directory.Delete();
    }
}
