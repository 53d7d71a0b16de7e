using System.Diagnostics;
using System.Text;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>One <c>cai ...</c> command run to its end as a child process: its output, wall time and peak RSS.</summary>
/// <param name="PeakResidentBytes">Highest VmHWM seen while it ran (read every 50 ms; null where /proc is missing).</param>
public sealed record CliCommandRun(int ExitCode, string Stdout, string Stderr, double Seconds, long? PeakResidentBytes)
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs the command in the benchmark's schema and virtual host; killed (and an error) past the timeout.</summary>
    public static async Task<CliCommandRun> RunAsync(BenchmarkEnvironment environment, IReadOnlyList<string> arguments, TimeSpan timeout,
        CancellationToken ct)
    {
        using var process = new Process { StartInfo = CliExecutable.StartInfo(environment, arguments) };
        var (stdout, stderr) = (new StringBuilder(), new StringBuilder());
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long? peak = null;
        var exited = process.WaitForExitAsync(ct);
        while (!exited.IsCompleted)
        {
            if (ProcessMemory.PeakResidentBytes(process.Id) is { } now) peak = Math.Max(peak ?? 0, now);
            if (clock.Elapsed > timeout)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"cai {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s");
            }
            await Task.WhenAny(exited, Task.Delay(SampleEvery, ct));
        }
        await exited;
        clock.Stop();
        lock (stdout) lock (stderr) return new CliCommandRun(process.ExitCode, stdout.ToString(), stderr.ToString(), clock.Elapsed.TotalSeconds, peak);
    }
}
