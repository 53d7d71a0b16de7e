using System.Diagnostics;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using Xunit.Abstractions;

namespace CaiEvents.IntegrationTests;

[CollectionDefinition(nameof(FaultCollection), DisableParallelization = true)]
public class FaultCollection;

/// <summary>
/// The fault suite: a 200-prompt run (SL with one revision round, plus pairs and labels) over RabbitMQ with four worker
/// processes, while the test kills workers with SIGKILL at random moments (seeded; the seed is logged and
/// <c>CAI_FAULT_SEED</c> replays it), restarts them, and restarts RabbitMQ once and PostgreSQL once. It runs on a private
/// PostgreSQL + RabbitMQ (<see cref="PrivateServices"/>) so other tests never see the restarts. The run must complete
/// with exactly one final SL example and one label per prompt, every stream exactly as an undisturbed run writes it (no
/// duplicated, lost or failed step), one run, and one <see cref="RunCompleted"/>.
/// </summary>
[Collection(nameof(FaultCollection))]
[Trait("Category", "Faults")]
public class FaultSuiteTests(ITestOutputHelper output)
{
    private const int Prompts = 200;
    private const int Kills = 6;
    private static readonly TimeSpan HardTimeout = TimeSpan.FromMinutes(8);

    private static readonly string[][] WorkerSlots =
    [
        [WorkerRoles.Generator, WorkerRoles.Critic, WorkerRoles.Reviser, WorkerRoles.Labeller],
        [WorkerRoles.Generator, WorkerRoles.Critic, WorkerRoles.Reviser, WorkerRoles.Labeller],
        [WorkerRoles.Generator, WorkerRoles.Critic],
        [WorkerRoles.Reviser, WorkerRoles.Labeller],
    ];

    private sealed record ChaosAction(double AtProgress, string Kind, int DelayMs);

    [Fact]
    public async Task Two_hundred_prompts_survive_worker_kills_and_RabbitMQ_and_PostgreSQL_restarts()
    {
        var timeline = new FaultTimeline(output);
        var seed = timeline.Seed;
        var rng = new Random(seed);
        var clock = timeline.Clock;
        timeline.Log($"fault suite seed {seed} (replay with CAI_FAULT_SEED={seed})");

        using var deadline = new CancellationTokenSource(HardTimeout);
        var ct = deadline.Token;
        var workers = new CliProcess?[WorkerSlots.Length];
        var dir = Directory.CreateTempSubdirectory("cai-faults-");
        PrivateServices? services = null;
        CliProcess? wait = null;
        int kills = 0, workerStarts = 0, rabbitRestarts = 0, postgresRestarts = 0;
        using var stopSupervisor = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task? supervisor = null;
        try
        {
            services = await PrivateServices.StartAsync(ct);
            timeline.Log($"private services up in {services.StateDir}");
            var env = services.ProcessEnvironment.ToDictionary();
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, Prompts).Select(i => $"{{\"prompt\": \"Fault prompt {i}: how do I calm down after an argument?\", \"id\": \"f-{i:000}\"}}"), ct);

            // The echo model's latency keeps steps in flight long enough for kills to land mid-work. The run is submitted
            // before the workers start: its commands wait in their durable queues.
            var submit = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(2), "submit", "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "8",
                "--model", "builtin:echo?latency-ms=400", "--pairs", "--principles", "1", "--seed", seed.ToString());
            Assert.True(submit.ExitCode == 0, $"submit failed: {submit.Stderr}");
            var runId = Guid.Parse(submit.Stdout.Trim().Split('\n')[^1].Trim());
            timeline.Log($"submitted run {runId}");
            wait = CliProcess.Start(env, "wait", runId.ToString(), "--timeout", ((int)HardTimeout.TotalSeconds).ToString());

            void StartWorker(int slot)
            {
                workers[slot]?.Dispose();
                workers[slot] = CliProcess.Start(env, ["worker", .. WorkerSlots[slot], "--concurrency", "1"]);
                workerStarts++;
            }
            lock (workers)
                for (var i = 0; i < workers.Length; i++) StartWorker(i);
            // The supervisor restarts any worker that exited (killed, or failed to start while a service was down), also
            // while a service restart is in progress.
            supervisor = Task.Run(async () =>
            {
                while (!stopSupervisor.IsCancellationRequested)
                {
                    lock (workers)
                    {
                        for (var i = 0; i < workers.Length; i++)
                        {
                            if (!workers[i]!.HasExited) continue;
                            timeline.Log($"worker {i} ({string.Join('+', WorkerSlots[i])}) exited; restarting it");
                            StartWorker(i);
                        }
                    }
                    try { await Task.Delay(250, stopSupervisor.Token); } catch (OperationCanceledException) { }
                }
            }, CancellationToken.None);

            // The plan: kills at random points of progress (after a random extra delay), RabbitMQ restarted in the first
            // half and PostgreSQL in the second, all before 85 % of the run's events are written.
            var plan = Enumerable.Range(0, Kills).Select(_ => new ChaosAction(0.03 + 0.82 * rng.NextDouble(), "kill", rng.Next(0, 500)))
                .Append(new ChaosAction(0.20 + 0.15 * rng.NextDouble(), "restart-rabbitmq", rng.Next(0, 500)))
                .Append(new ChaosAction(0.50 + 0.20 * rng.NextDouble(), "restart-postgres", rng.Next(0, 500)))
                .OrderBy(a => a.AtProgress).ToList();
            timeline.Log("plan (share of the run's step events written): " + string.Join(", ", plan.Select(a => $"{a.Kind}@{a.AtProgress:P0}+{a.DelayMs}ms")));

            var progress = 0.0;
            var next = 0;
            while (!wait.HasExited)
            {
                ct.ThrowIfCancellationRequested();
                progress = await ExactlyOnceRun.ProgressAsync(services.ConnectionString, Prompts, progress, ct);
                while (next < plan.Count && plan[next].AtProgress <= progress)
                {
                    var action = plan[next++];
                    await Task.Delay(action.DelayMs, ct);
                    var started = Stopwatch.StartNew();
                    switch (action.Kind)
                    {
                        case "kill":
                            lock (workers)
                            {
                                var alive = Enumerable.Range(0, workers.Length).Where(i => !workers[i]!.HasExited).ToList();
                                var victim = alive[rng.Next(alive.Count)];
                                workers[victim]!.KillHard();
                                kills++;
                                timeline.Log($"kill -9 worker {victim} (pid {workers[victim]!.Id}, {string.Join('+', WorkerSlots[victim])}) at {progress:P1}");
                            }
                            break;
                        case "restart-rabbitmq":
                            await services.RestartRabbitMqAsync(ct);
                            rabbitRestarts++;
                            timeline.Log($"RabbitMQ restarted at {progress:P1} (down and up in {started.Elapsed.TotalSeconds:0.0}s)");
                            break;
                        case "restart-postgres":
                            await services.RestartPostgresAsync(ct);
                            postgresRestarts++;
                            timeline.Log($"PostgreSQL restarted at {progress:P1} (down and up in {started.Elapsed.TotalSeconds:0.0}s)");
                            break;
                    }
                }
                await Task.Delay(200, ct);
            }
            await stopSupervisor.CancelAsync();
            await supervisor;
            var waitExit = await wait.WaitForExitAsync(TimeSpan.FromSeconds(30));
            timeline.Log($"cai wait exited {waitExit}: {wait.Stdout.Trim()}");
            Assert.True(waitExit == 0, $"cai wait exited {waitExit}: {wait.Stderr}\n{timeline.Diagnostics(workers)}");
            Assert.True(next == plan.Count, $"the run completed before the fault plan was done ({next}/{plan.Count} actions); {timeline.Diagnostics(workers)}");
            Assert.True(kills >= 5 && rabbitRestarts == 1 && postgresRestarts == 1, $"kills {kills}, RabbitMQ restarts {rabbitRestarts}, PostgreSQL restarts {postgresRestarts}");

            var tombstones = await ExactlyOnceRun.AssertAsync(services.ConnectionString, runId, Prompts);
            timeline.Log($"fault suite passed: {Prompts} prompts, {kills} kills, {workerStarts - WorkerSlots.Length} worker restarts, " +
                $"RabbitMQ restarted {rabbitRestarts}x, PostgreSQL restarted {postgresRestarts}x, {tombstones} Marten tombstone(s) left out, {clock.Elapsed.TotalSeconds:0}s in all");
        }
        catch (Exception e) when (LogFailure(e))
        {
            throw; // never reached: the filter logs and declines
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"fault suite timed out after {HardTimeout.TotalMinutes:0} min (seed {seed}); {timeline.Diagnostics(workers)}\nwait: {wait?.Stderr}");
        }
        finally
        {
            await stopSupervisor.CancelAsync();
            if (supervisor is not null) await supervisor;
            lock (workers)
                foreach (var w in workers) w?.Dispose();
            wait?.Dispose();
            if (services is not null) await services.DisposeAsync();
            dir.Delete(recursive: true);
            await File.AppendAllLinesAsync(Path.Combine(Path.GetTempPath(), "cai-fault-suite.log"), timeline.Lines.Append(""));
        }
    }

    private bool LogFailure(Exception e)
    {
        output.WriteLine($"fault suite failed: {e.GetType().Name}: {e.Message}");
        try { File.AppendAllText(Path.Combine(Path.GetTempPath(), "cai-fault-suite.log"), $"FAILED: {e.GetType().Name}: {e.Message}\n"); } catch (IOException) { }
        return false;
    }
}
