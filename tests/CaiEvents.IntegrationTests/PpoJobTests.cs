using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Preference;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.PPOLearner;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>PPO as a job stream in the real event store: its events, and a killed job that resumes without a step missing or doubled.</summary>
[Collection(nameof(IntegrationCollection))]
public class PpoJobTests
{
    internal static readonly PpoHyperParameters Hp = new(Steps: 4, RolloutsPerStep: 4, MiniBatchSize: 2, Epochs: 1, LearningRate: 1e-3, ValueLearningRate: 1e-3,
        ClipRange: 0.2, ValueClipRange: 0.2, ValueCoefficient: 0.5, EntropyCoefficient: 0.01, Gamma: 1, Lambda: 0.95, MaxGradNorm: 1,
        InitialKlCoefficient: 0.1, KlTarget: 1.0, KlHorizon: 64, MaxNewTokens: 4, CheckpointEvery: 2, Seed: 9);

    /// <summary>A preference model for tests: builtin:tiny's backbone with a seeded head, saved as a reward-model directory (untrained).</summary>
    internal static async Task<string> TinyPreferenceModelAsync(string directory)
    {
        await TorchThread.RunAsync(() =>
        {
            using var pm = RewardModel.FromModelId(ModelCatalog.BuiltinTiny, ModelOptions.Cpu with { Seed = 1234 }, headSeed: 5);
            pm.Save(directory);
            return true;
        });
        return directory;
    }

    [Fact]
    public async Task A_ppo_job_records_its_steps_and_checkpoints_and_a_killed_job_resumes_to_the_same_policy()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, [], TransportKind.InMemory);
        var runId = await Harness.SubmitAsync(host, Harness.Request(Harness.Prompts(6), revisions: 1));
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var job = new PpoJob(store, new WorkerIdentity("test"), TimeProvider.System);
        var root = Directory.CreateTempSubdirectory("cai-ppo-");
        try
        {
            var pm = await TinyPreferenceModelAsync(Path.Combine(root.FullName, "pm"));

            // Uninterrupted.
            var straightDir = Path.Combine(root.FullName, "straight");
            var straight = await job.RunAsync(new PpoRequest(runId, "builtin:tiny", pm, straightDir, Hp), ModelOptions.Cpu, null, default);
            Assert.True(straight.Final);
            Assert.Equal(4, straight.Step);
            var events = (await Harness.StreamAsync(store, PpoJob.JobId(runId, straightDir))).Select(e => e.Data).ToList();
            var started = Assert.IsType<PpoStarted>(events[0]);
            Assert.Equal(RewardModel.FileSha256(pm), started.PreferenceModelCheckpointHash);
            Assert.Equal(started.PolicyCheckpointHash, started.ReferenceCheckpointHash);
            Assert.Equal(6, started.PromptCount);
            Assert.Equal(Hp, started.HyperParameters);
            var updates = events.OfType<PolicyUpdateCompleted>().ToList();
            Assert.Equal([1, 2, 3, 4], updates.Select(u => u.Step));
            Assert.Equal(started.PolicyCheckpointHash, updates[0].RolloutPolicyHash); // step 1 samples from the starting policy
            Assert.Equal(4, updates.Select(u => u.RolloutPolicyHash).Distinct().Count()); // every step samples from the updated policy
            Assert.Equal([4L, 8, 12, 16], updates.Select(u => u.PromptCursor));
            Assert.All(updates, u => Assert.True(double.IsFinite(u.MeanReward) && double.IsFinite(u.MeanKl) && u.KlCoefficient > 0 && u.ClipFraction is >= 0 and <= 1));
            Assert.Equal([2, 4], events.OfType<PolicyCheckpointed>().Select(c => c.Step));
            Assert.Equal(RewardModel.FileSha256(straight.Path), straight.Sha256);
            Assert.True(File.Exists(Path.Combine(straight.Path, PpoJob.ValueDirectoryName, Gpt2Checkpoint.WeightsFileName)));

            // Killed after step 3 (recorded, but after the step-2 checkpoint), then run again: resumes from step 2, retraces step 3.
            var resumedDir = Path.Combine(root.FullName, "resumed");
            using (var kill = new CancellationTokenSource())
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.RunAsync(new PpoRequest(runId, "builtin:tiny", pm, resumedDir, Hp), ModelOptions.Cpu,
                    (u, _) => { if (u.Step == 3) kill.Cancel(); }, kill.Token));
            }
            var beforeResume = (await Harness.StreamAsync(store, PpoJob.JobId(runId, resumedDir))).Select(e => e.Data).ToList();
            Assert.Equal([1, 2, 3], beforeResume.OfType<PolicyUpdateCompleted>().Select(u => u.Step));
            Assert.Equal([2], beforeResume.OfType<PolicyCheckpointed>().Select(c => c.Step));
            var resumed = await job.RunAsync(new PpoRequest(runId, "builtin:tiny", pm, resumedDir, Hp), ModelOptions.Cpu, null, default);

            var after = (await Harness.StreamAsync(store, PpoJob.JobId(runId, resumedDir))).Select(e => e.Data).ToList();
            Assert.Equal([1, 2, 3, 4], after.OfType<PolicyUpdateCompleted>().Select(u => u.Step)); // none missing, none doubled
            Assert.Equal([2, 4], after.OfType<PolicyCheckpointed>().Select(c => c.Step));
            Assert.Equal(straight.Sha256, resumed.Sha256); // the same weights as the uninterrupted job
            Assert.Equal(updates.Select(u => (u.MeanReward, u.MeanKl, u.KlCoefficient)), after.OfType<PolicyUpdateCompleted>().Select(u => (u.MeanReward, u.MeanKl, u.KlCoefficient)));

            // A finished job run again trains nothing; the same --out with other settings is refused.
            var again = await job.RunAsync(new PpoRequest(runId, "builtin:tiny", pm, resumedDir, Hp), ModelOptions.Cpu, null, default);
            Assert.Equal((resumed.Step, resumed.Sha256), (again.Step, again.Sha256));
            await Assert.ThrowsAsync<Domain.InputException>(() => job.RunAsync(new PpoRequest(runId, "builtin:tiny", pm, resumedDir, Hp with { Steps = 5 }), ModelOptions.Cpu, null, default));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
