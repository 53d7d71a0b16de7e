using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Models.Preference;
using CaiEvents.Workers.Common.Jobs;
using CaiEvents.Workers.PPOLearner;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>The PPOLearner role over real RabbitMQ + PostgreSQL: TrainPolicy as a background job, rollouts from Generator workers, and a killed `cai ppo train`.</summary>
[Collection(nameof(IntegrationCollection))]
public class PpoLearnerTests
{
    private static readonly Dictionary<string, string> TinyHp = new(StringComparer.Ordinal)
    {
        ["rollouts_per_step"] = "4", ["minibatch_size"] = "2", ["ppo_epochs"] = "1", ["lr"] = "1e-3", ["kl_coef"] = "0.1", ["kl_target"] = "1",
        ["kl_horizon"] = "64", ["max_new_tokens"] = "4", ["checkpoint_every"] = "2",
    };

    private static async Task<IReadOnlyList<object>> WaitForEndAsync(IDocumentStore store, Guid jobId, TimeSpan timeout, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var events = (await Harness.StreamAsync(store, jobId)).Select(e => e.Data).ToList();
            if (events.Any(e => e is PolicyCheckpointed { Final: true } or PpoFailed)) return events;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId}: {string.Join(", ", events.Select(e => e.GetType().Name))} {diagnostics?.Invoke()}");
            await Task.Delay(200);
        }
    }

    private static async Task SendAsync(IServiceProvider services, object command) =>
        await (await services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(CommandQueues.AddressFor(command))).Send(command);

    [Fact]
    public async Task A_train_policy_command_runs_as_a_background_job_with_rollouts_from_a_generator_worker_and_records_their_policy_hash()
    {
        await using var services = await TestServices.StartAsync();
        var root = Directory.CreateTempSubdirectory("cai-ppo-role-");
        try
        {
            using var generator = await Harness.StartHostAsync(services, [WorkerRoles.Generator], TransportKind.RabbitMq);
            using var generator2 = await Harness.StartHostAsync(services, [WorkerRoles.Generator], TransportKind.RabbitMq);
            using var learner = await Harness.StartHostAsync(services, [WorkerRoles.PpoLearner], TransportKind.RabbitMq, null,
                ("Workers:Jobs:PollIntervalMs", "200"), ("Workers:PPOLearner:RolloutShardSize", "3"));
            var runId = await Harness.SubmitAsync(learner, Harness.Request(Harness.Prompts(5), revisions: 1));
            var store = learner.Services.GetRequiredService<IDocumentStore>();
            var pm = await PpoJobTests.TinyPreferenceModelAsync(Path.Combine(root.FullName, "pm"));
            var output = Path.Combine(root.FullName, "out");
            var jobId = PpoJob.JobId(runId, output);
            var command = new TrainPolicy(jobId, runId, pm, Steps: 3, Seed: 9, TinyHp, "builtin:tiny", output, PpoCommandRequest.Workers);
            await SendAsync(learner.Services, command);
            await SendAsync(learner.Services, command); // a duplicate delivery starts nothing twice

            var events = await WaitForEndAsync(store, jobId, TimeSpan.FromMinutes(3));
            var started = Assert.IsType<PpoStarted>(events[0]);
            Assert.Single(events.OfType<PpoStarted>());
            Assert.Equal(PpoCommandRequest.DistributedMode, started.RolloutMode);
            Assert.Equal(RewardModel.FileSha256(pm), started.PreferenceModelCheckpointHash);
            var updates = events.OfType<PolicyUpdateCompleted>().ToList();
            Assert.Equal([1, 2, 3], updates.Select(u => u.Step));
            Assert.Equal(started.PolicyCheckpointHash, updates[0].RolloutPolicyHash);
            Assert.Equal([2, 3], events.OfType<PolicyCheckpointed>().Select(c => c.Step));
            await using (var query = store.QuerySession())
                Assert.True((await query.LoadAsync<JobRecord>(jobId))!.Finished);

            // Each step's 4 rollouts came from Generator workers in two shards (3 + 1 prompts), each answered once, sampled
            // from exactly the weights the learner was at.
            foreach (var u in updates)
            {
                var rows = new List<int>();
                for (var shard = 0; shard < 2; shard++)
                {
                    var answer = (await Harness.StreamAsync(store, WorkerRollouts.RequestId(jobId, u.Step, u.RolloutPolicyHash, shard))).Select(e => e.Data).ToList();
                    var generated = Assert.IsType<RolloutsGenerated>(Assert.Single(answer));
                    Assert.Equal(u.RolloutPolicyHash, generated.PolicySha256);
                    rows.AddRange(generated.Rollouts.Select(r => r.Row));
                }
                Assert.Equal([0, 1, 2, 3], rows);
                Assert.Empty(await Harness.StreamAsync(store, WorkerRollouts.RequestId(jobId, u.Step, u.RolloutPolicyHash, 2)));
            }
            // The policy the last step's rollouts were sampled from is still published; its files hash to the recorded hash.
            var lastPublished = Path.Combine(output, WorkerRollouts.PolicyDirectoryName, updates[2].RolloutPolicyHash);
            Assert.Equal(updates[2].RolloutPolicyHash, RewardModel.FileSha256(lastPublished));

            // A redelivered rollout request appends nothing: answered once, then sent again, followed by a new request as a marker.
            var again = new GenerateRollouts(WorkerRollouts.RequestId(jobId, 3, updates[2].RolloutPolicyHash, 0), jobId, 3, lastPublished, updates[2].RolloutPolicyHash,
                [new RolloutPromptSpec(0, "Human: hi\n\nAssistant:", 1)], 1, 1, 0, 4, []);
            var marker = again with { RequestId = Guid.NewGuid() };
            await SendAsync(learner.Services, again);
            await SendAsync(learner.Services, marker);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            while ((await Harness.StreamAsync(store, marker.RequestId)).Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the marker request was never answered");
                await Task.Delay(100);
            }
            await Task.Delay(500);
            var redelivered = Assert.Single(await Harness.StreamAsync(store, again.RequestId));
            Assert.Equal(3, Assert.IsType<RolloutsGenerated>(redelivered.Data).Rollouts.Count); // still the first answer (3 prompts), not the one-prompt duplicate

            // A request that cannot run becomes one PpoFailed, and the job is finished.
            var badId = PpoJob.JobId(runId, Path.Combine(root.FullName, "bad"));
            await SendAsync(learner.Services, command with { JobId = badId, PreferenceModelCheckpoint = Path.Combine(root.FullName, "no-such-pm"), OutputDirectory = Path.Combine(root.FullName, "bad") });
            var failed = await WaitForEndAsync(store, badId, TimeSpan.FromMinutes(1));
            Assert.Contains("not a preference-model checkpoint", Assert.IsType<PpoFailed>(Assert.Single(failed)).Reason);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_cai_ppo_train_process_killed_mid_run_and_started_again_ends_at_the_same_step_with_no_step_missing_or_doubled()
    {
        await using var services = await TestServices.StartAsync();
        var root = Directory.CreateTempSubdirectory("cai-ppo-kill-");
        try
        {
            using var host = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
            var runId = await Harness.SubmitAsync(host, Harness.Request(Harness.Prompts(5), revisions: 1));
            var store = host.Services.GetRequiredService<IDocumentStore>();
            var pm = await PpoJobTests.TinyPreferenceModelAsync(Path.Combine(root.FullName, "pm"));
            var output = Path.Combine(root.FullName, "out");
            var jobId = PpoJob.JobId(runId, output);
            var environment = services.ProcessEnvironment();
            environment["Workers__Jobs__PollIntervalMs"] = "200";
            string[] args = ["ppo", "train", "--run", runId.ToString(), "--pm", pm, "--policy", "builtin:tiny", "--steps", "12", "--rollouts-per-step", "4",
                "--minibatch-size", "2", "--ppo-epochs", "1", "--lr", "1e-3", "--max-new-tokens", "4", "--checkpoint-every", "2", "--seed", "9", "--out", output, "--json"];

            using (var first = CliProcess.Start(environment, args))
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
                while (!(await Harness.StreamAsync(store, jobId)).Any(e => e.Data is PolicyCheckpointed))
                {
                    Assert.True(DateTime.UtcNow < deadline, "no checkpoint from the first process: " + first.Stderr);
                    Assert.False(first.HasExited, "cai ppo train exited: " + first.Stderr);
                    await Task.Delay(20);
                }
                first.KillHard(); // kill -9 mid-run
            }
            var before = (await Harness.StreamAsync(store, jobId)).Select(e => e.Data).ToList();
            Assert.DoesNotContain(before, e => e is PolicyCheckpointed { Final: true }); // killed before the end
            await using (var query = store.QuerySession())
                Assert.False((await query.LoadAsync<JobRecord>(jobId))!.Finished);

            var (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(6), args); // generous: a loaded CI machine once needed over 3 min
            Assert.True(exit == 0, stderr);
            var last = System.Text.Json.JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
            Assert.Equal(12, last.GetProperty("step").GetInt32());
            var after = (await Harness.StreamAsync(store, jobId)).Select(e => e.Data).ToList();
            Assert.Single(after.OfType<PpoStarted>());
            Assert.Equal(Enumerable.Range(1, 12), after.OfType<PolicyUpdateCompleted>().Select(u => u.Step)); // none missing, none doubled
            Assert.Equal([2, 4, 6, 8, 10, 12], after.OfType<PolicyCheckpointed>().Select(c => c.Step));
            Assert.Equal(after.OfType<PolicyCheckpointed>().Last().Sha256, last.GetProperty("sha256").GetString());
            Assert.Equal(before.OfType<PolicyUpdateCompleted>().Select(u => (u.Step, u.MeanReward, u.MeanKl)),
                after.OfType<PolicyUpdateCompleted>().Take(before.OfType<PolicyUpdateCompleted>().Count()).Select(u => (u.Step, u.MeanReward, u.MeanKl)));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
