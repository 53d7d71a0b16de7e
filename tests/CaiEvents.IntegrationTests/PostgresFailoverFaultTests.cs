using System.Diagnostics;
using CaiEvents.Contracts;
using CaiEvents.EventStore;
using Xunit.Abstractions;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// PostgreSQL failover during a run: a private primary with a synchronous streaming-replication standby
/// (<c>services.sh up --postgres-standby</c>), a run of SL with one revision round plus pairs and labels over RabbitMQ
/// with two worker processes, and, at a seeded random point mid-run, kill -9 of the primary's processes, a few seconds
/// with no primary at all, then <c>services.sh promote</c>. The workers, <c>cai wait</c> and the audit keep the one
/// multi-host connection string throughout. The run must complete with exactly what an undisturbed run writes, with no
/// worker having died, and the hash chain must verify.
/// </summary>
[Collection(nameof(FaultCollection))]
[Trait("Category", "Faults")]
public class PostgresFailoverFaultTests(ITestOutputHelper output)
{
    private const int Prompts = 40;
    private static readonly TimeSpan HardTimeout = TimeSpan.FromMinutes(8);

    private static readonly string[][] WorkerSlots =
    [
        [WorkerRoles.Generator, WorkerRoles.Critic, WorkerRoles.Reviser, WorkerRoles.Labeller],
        [WorkerRoles.Generator, WorkerRoles.Critic, WorkerRoles.Reviser, WorkerRoles.Labeller],
    ];

    [Fact]
    public async Task Primary_killed_mid_run_and_standby_promoted_loses_and_doubles_nothing()
    {
        var timeline = new FaultTimeline(output);
        var seed = timeline.Seed;
        var rng = new Random(seed);
        var killAt = 0.25 + 0.35 * rng.NextDouble();
        var outage = TimeSpan.FromMilliseconds(rng.Next(2000, 5000));
        var clock = timeline.Clock;
        timeline.Log($"failover seed {seed} (replay with CAI_FAULT_SEED={seed}): kill the primary at {killAt:P0} of the steps, promote {outage.TotalSeconds:0.0}s later");

        using var deadline = new CancellationTokenSource(HardTimeout);
        var ct = deadline.Token;
        var workers = new List<CliProcess>();
        var dir = Directory.CreateTempSubdirectory("cai-failover-");
        PrivateServices? services = null;
        CliProcess? wait = null;
        try
        {
            services = await PrivateServices.StartAsync(ct, postgresStandby: true);
            var env = services.ProcessEnvironment.ToDictionary();
            Assert.True(EventStoreDataSource.IsMultiHost(services.ConnectionString), "services.sh env did not list the primary and the standby");
            timeline.Log($"private primary + standby and RabbitMQ up in {services.StateDir}");

            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, Prompts).Select(i => $"{{\"prompt\": \"Failover prompt {i}: how do I apologise to a friend?\", \"id\": \"p-{i:000}\"}}"), ct);
            var submit = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(2), "submit", "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "8",
                "--model", "builtin:echo?latency-ms=300", "--pairs", "--principles", "1", "--seed", seed.ToString());
            Assert.True(submit.ExitCode == 0, $"submit failed: {submit.Stderr}");
            var runId = Guid.Parse(submit.Stdout.Trim().Split('\n')[^1].Trim());
            timeline.Log($"submitted run {runId}");
            wait = CliProcess.Start(env, "wait", runId.ToString(), "--timeout", ((int)HardTimeout.TotalSeconds).ToString());
            foreach (var roles in WorkerSlots) workers.Add(CliProcess.Start(env, ["worker", .. roles, "--concurrency", "2"]));

            var progress = 0.0;
            double? progressAtKill = null;
            while (!wait.HasExited)
            {
                ct.ThrowIfCancellationRequested();
                progress = await ExactlyOnceRun.ProgressAsync(services.ConnectionString, Prompts, progress, ct);
                if (progressAtKill is null && progress >= killAt)
                {
                    await services.KillPostgresPrimaryAsync(ct);
                    progressAtKill = progress;
                    timeline.Log($"kill -9 of the primary's processes at {progress:P1} of the steps (cai wait still running: {!wait.HasExited})");
                    Assert.False(wait.HasExited, "the run ended before the primary was killed");
                    await Task.Delay(outage, ct);
                    var promoting = Stopwatch.StartNew();
                    await services.PromotePostgresStandbyAsync(ct);
                    timeline.Log($"standby promoted ({promoting.Elapsed.TotalSeconds:0.0}s)");
                }
                await Task.Delay(200, ct);
            }
            var waitExit = await wait.WaitForExitAsync(TimeSpan.FromSeconds(30));
            timeline.Log($"cai wait exited {waitExit}: {wait.Stdout.Trim()}");
            Assert.True(waitExit == 0, $"cai wait exited {waitExit}: {wait.Stderr}\n{timeline.Diagnostics(workers)}");
            Assert.True(progressAtKill is < 1.0, $"the primary was not killed mid-run (at {progressAtKill:P1}); {timeline.Diagnostics(workers)}");
            // The workers rode the failover out themselves: none died and had to be restarted.
            Assert.True(workers.All(w => !w.HasExited), $"a worker exited during the failover; {timeline.Diagnostics(workers)}");

            var tombstones = await ExactlyOnceRun.AssertAsync(services.ConnectionString, runId, Prompts);
            var audit = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(1), "audit", "verify", "--run", runId.ToString());
            Assert.True(audit.ExitCode == 0, $"cai audit verify exited {audit.ExitCode}: {audit.Stdout}{audit.Stderr}");
            timeline.Log($"failover passed: {Prompts} prompts, primary killed at {progressAtKill:P1}, {tombstones} Marten tombstone(s) left out, " +
                $"hash chain verified, {clock.Elapsed.TotalSeconds:0}s in all");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"failover test timed out after {HardTimeout.TotalMinutes:0} min (seed {seed}); {timeline.Diagnostics(workers)}\nwait: {wait?.Stderr}");
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
            wait?.Dispose();
            if (services is not null) await services.DisposeAsync();
            dir.Delete(recursive: true);
        }
    }
}
