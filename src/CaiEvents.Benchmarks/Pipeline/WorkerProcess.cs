using System.Diagnostics;
using System.Globalization;
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

    /// <summary>Starts <c>cai worker ROLE --concurrency N</c> with this process's executable (<see cref="CliExecutable"/>).</summary>
    public static WorkerProcess Start(BenchmarkEnvironment environment, string role, int concurrency) =>
        Start(environment, [role], concurrency);

    /// <summary>Starts <c>cai worker ROLE... --concurrency N</c>: one process hosting several roles.</summary>
    public static WorkerProcess Start(BenchmarkEnvironment environment, IReadOnlyList<string> roles, int concurrency)
    {
        string[] arguments = ["worker", .. roles, "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture)];
        return new WorkerProcess(Process.Start(CliExecutable.StartInfo(environment, arguments))!);
    }

    /// <summary>The worker's peak RSS so far (null once it has gone, or where /proc is missing).</summary>
    public long? PeakResidentBytes => _process.HasExited ? null : ProcessMemory.PeakResidentBytes(_process.Id);

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
