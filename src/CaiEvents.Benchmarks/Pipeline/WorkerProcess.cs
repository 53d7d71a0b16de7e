using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>
/// A child <c>cai worker ROLE --concurrency N</c> process of the running executable (the CLI), in a benchmark's
/// schema and virtual host; killed with its process tree on dispose.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _stderr = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
            if (e.Data.Contains(" listening on ", StringComparison.Ordinal)) _listening.TrySetResult();
        };
        process.OutputDataReceived += (_, _) => { };
        process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"worker process exited early: {Stderr}"));
        process.EnableRaisingEvents = true;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    private string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>
    /// Starts the worker with this process's executable: the apphost itself, or <c>dotnet</c> with the entry assembly
    /// (the CLI's dll) when the CLI runs as <c>dotnet cai.dll</c>.
    /// </summary>
    public static WorkerProcess Start(BenchmarkEnvironment environment, string role, int concurrency)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var self = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(self) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            var entry = Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("no entry assembly to start a worker process from");
            info.ArgumentList.Add(entry.Location);
        }
        foreach (var a in new[] { "worker", role, "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture) }) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment.ChildEnvironment) info.Environment[k] = v;
        return new WorkerProcess(Process.Start(info)!);
    }

    /// <summary>Completes when the worker logs that it listens on its queue; fails if it exits first.</summary>
    public async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken ct) =>
        await _listening.Task.WaitAsync(timeout, ct);

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
