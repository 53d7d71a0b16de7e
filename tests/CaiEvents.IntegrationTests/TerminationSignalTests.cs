using System.Diagnostics;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Every long-running command stops on SIGTERM (what `docker stop` and compose send) within a few seconds. Services (worker,
/// dashboard) exit 0, as after any requested stop; a command whose job had not finished (run, wait, job hosts) exits 143
/// (128 + SIGTERM) with one line "error: stopped by SIGTERM".
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class TerminationSignalTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Well under compose's 10 s before SIGKILL, and under the CLI's own 8 s grace: the command stopped by itself.</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(6);

    /// <summary>The CLI's grace period (8 s) plus the time to exit: still under compose's 10 s.</summary>
    private static readonly TimeSpan GraceBound = TimeSpan.FromSeconds(9.5);

    [Fact]
    public async Task Dashboard_stops_on_sigterm_with_exit_code_0()
    {
        await using var services = await TestServices.StartAsync();
        using var dashboard = CliProcess.Start(services.ProcessEnvironment(), "dashboard", "--urls", "http://127.0.0.1:0");
        await dashboard.WaitForOutputAsync("http://127.0.0.1:", StartTimeout);
        var (exitCode, elapsed) = await TerminateAsync(dashboard);
        Assert.True(exitCode == 0, $"exit code {exitCode}: {dashboard.Stderr}");
        Assert.True(elapsed < StopBound, $"stopped after {elapsed}");
    }

    [Fact]
    public async Task Worker_stops_on_sigterm_with_exit_code_0()
    {
        await using var services = await TestServices.StartAsync();
        using var worker = CliProcess.Start(services.ProcessEnvironment(), "worker", "generator", "critic", "reviser", "pmtrainer");
        await worker.WaitForOutputAsync("listening on", StartTimeout);
        var (exitCode, elapsed) = await TerminateAsync(worker);
        Assert.True(exitCode == 0, $"exit code {exitCode}: {worker.Stderr}");
        Assert.True(elapsed < StopBound, $"stopped after {elapsed}");
    }

    [Fact]
    public async Task Wait_and_a_job_host_stop_on_sigterm_with_exit_code_143()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        var dir = Directory.CreateTempSubdirectory("cai-sigterm-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Prompts(100));

            // A submitted run with no worker: `cai wait` follows it until stopped.
            var submit = await CliProcess.RunAsync(env, StartTimeout, "submit", "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "8",
                "--model", "builtin:tiny");
            Assert.True(submit.ExitCode == 0, submit.Stderr);
            var runId = submit.Stdout.Trim().Split('\n')[^1].Trim();
            using (var wait = CliProcess.Start(env, "wait", runId, "--timeout", "300"))
            {
                // `wait` prints nothing before following; the run's existence is checked within the first seconds.
                await Task.Delay(TimeSpan.FromSeconds(5));
                Assert.False(wait.HasExited, wait.Stderr);
                await AssertStoppedBySigtermAsync(wait);
            }

            // A job host: sends the PMTrainer command and follows the job (no PMTrainer worker runs, so it never ends by itself).
            using (var pm = CliProcess.Start(env, "pm", "train", "--run", runId, "--base", "builtin:tiny", "--transport", "rabbitmq", "--no-local-worker"))
            {
                await pm.WaitForOutputAsync("pm: job ", StartTimeout);
                await AssertStoppedBySigtermAsync(pm);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Run_stops_on_sigterm_within_the_grace_period_with_exit_code_143()
    {
        await using var services = await TestServices.StartAsync();
        var dir = Directory.CreateTempSubdirectory("cai-sigterm-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Prompts(100));
            // Every role in this process, stopped while its run is in flight: the host gives its busy steps 5 s (RoleHost.StopTimeout),
            // and the CLI's 8 s grace is the backstop (the unsettled samples are what `cai resume` re-sends).
            using var run = CliProcess.Start(services.ProcessEnvironment(), "run", "--prompts", prompts, "--revisions", "2", "--max-new-tokens", "64",
                "--model", "builtin:tiny");
            await run.WaitForOutputAsync("transport ", StartTimeout);
            var (exitCode, elapsed) = await TerminateAsync(run);
            Assert.True(exitCode == 143, $"exit code {exitCode}: {run.Stderr}");
            Assert.True(elapsed < GraceBound, $"stopped after {elapsed}");
            Assert.Contains("error: stopped by SIGTERM", run.Stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static IEnumerable<string> Prompts(int count) =>
        Enumerable.Range(1, count).Select(i => $"{{\"prompt\": \"Signal prompt {i}: how do I pick a lock?\", \"id\": \"s-{i}\"}}");

    private static async Task AssertStoppedBySigtermAsync(CliProcess process)
    {
        var (exitCode, elapsed) = await TerminateAsync(process);
        Assert.True(exitCode == 143, $"exit code {exitCode}: {process.Stderr}");
        Assert.True(elapsed < StopBound, $"stopped after {elapsed}");
        Assert.Contains("error: stopped by SIGTERM", process.Stderr);
    }

    private static async Task<(int ExitCode, TimeSpan Elapsed)> TerminateAsync(CliProcess process)
    {
        Assert.False(process.HasExited, process.Stderr);
        var clock = Stopwatch.StartNew();
        process.Terminate();
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, clock.Elapsed);
    }
}
