using System.Diagnostics;

namespace CaiEvents.IntegrationTests;

/// <summary>Runs the built `cai` CLI as a separate process, as a user (or a container) would.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stdout = new(), _stderr = new();

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string CliDll
    {
        get
        {
            // tests/CaiEvents.IntegrationTests/bin/<Configuration>/net10.0/ -> src/CaiEvents.Cli/bin/<Configuration>/net10.0/cai.dll
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = dir.Parent!.Name;
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CaiEvents.sln"))) dir = dir.Parent;
            var dll = Path.Combine(dir!.FullName, "src", "CaiEvents.Cli", "bin", configuration, "net10.0", "cai.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the CLI first: {dll}");
        }
    }

    public static CliProcess Start(IDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        return new CliProcess(Process.Start(info)!);
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> environment, TimeSpan timeout,
        params string[] args)
    {
        using var p = Start(environment, args);
        using var cts = new CancellationTokenSource(timeout);
        try { await p._process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p._process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cai {string.Join(' ', args)} did not exit within {timeout}: {p.Stderr}");
        }
        p._process.WaitForExit(); // flush the async readers
        return (p._process.ExitCode, p.Stdout, p.Stderr);
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;

    /// <summary>SIGKILL (kill -9) on Unix: no shutdown, no acknowledgements, nothing flushed.</summary>
    public void KillHard()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(5000);
    }

    /// <summary>SIGTERM, as `kill PID`, `docker stop` and compose send it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -TERM {Id} failed with exit code {kill.ExitCode}");
    }

    /// <summary>Waits until stdout or stderr contains <paramref name="text"/> (the process is up), failing if it exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Stdout.Contains(text, StringComparison.Ordinal) && !Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"exited ({_process.ExitCode}) before printing '{text}': {Stderr}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no '{text}' within {timeout}: {Stderr}");
            await Task.Delay(100);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // flush the async readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
