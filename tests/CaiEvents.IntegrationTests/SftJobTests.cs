using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.SftTrainer;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>SL-CAI fine-tuning on a real run's events, as a job stream in the real event store.</summary>
[Collection(nameof(IntegrationCollection))]
public class SftJobTests
{
    private static readonly SftHyperParameters Hp = new(Epochs: 2, BatchSize: 2, LearningRate: 1e-3, WarmupSteps: 1, MinLearningRateRatio: 0.1,
        WeightDecay: 0, MaxGradNorm: 1, MaxSequenceLength: 256, CheckpointEvery: 1, Seed: 11);

    [Fact]
    public async Task Fine_tuning_records_its_dataset_and_checkpoints_and_a_killed_job_resumes_to_the_same_weights()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.InMemory);
        var runId = await Harness.SubmitAsync(host, Harness.Request(Harness.Prompts(4), revisions: 1));
        await Harness.WaitAsync(host, runId);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var job = new SftJob(store, new WorkerIdentity("test"), TimeProvider.System);
        var cpu = new ModelOptions(Device: "cpu");
        var root = Directory.CreateTempSubdirectory("cai-sft-");
        try
        {
            // Uninterrupted.
            var straightDir = Path.Combine(root.FullName, "straight");
            var straight = await job.RunAsync(new SftRequest(runId, "builtin:tiny", straightDir, null, Hp), cpu, null, default);
            Assert.True(straight.Final);
            Assert.Equal(4, straight.Step); // 4 examples / batch 2 × 2 epochs
            var events = (await Harness.StreamAsync(store, SftJob.JobId(runId, straightDir))).Select(e => e.Data).ToList();
            var started = Assert.IsType<PolicyTrainingStarted>(events[0]);
            Assert.Equal(4, started.DatasetSize);
            Assert.True(started.DatasetSnapshotPosition > 0);
            Assert.Equal([1, 2, 3, 4], events.OfType<PolicyCheckpointed>().Select(c => c.Step));
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                await File.ReadAllBytesAsync(Path.Combine(straight.Path, Gpt2Checkpoint.WeightsFileName)))), straight.Sha256);

            // Killed after its second step (the cancellation lands while step 2's checkpoint is being recorded), then run again.
            var resumedDir = Path.Combine(root.FullName, "resumed");
            using (var kill = new CancellationTokenSource())
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.RunAsync(new SftRequest(runId, "builtin:tiny", resumedDir, null, Hp), cpu,
                    (m, _) => { if (m.Step == 1) kill.Cancel(); }, kill.Token));
            }
            var beforeResume = (await Harness.StreamAsync(store, SftJob.JobId(runId, resumedDir))).Select(e => e.Data).OfType<PolicyCheckpointed>().ToList();
            Assert.InRange(beforeResume.Count, 1, 2);
            var resumed = await job.RunAsync(new SftRequest(runId, "builtin:tiny", resumedDir, null, Hp), cpu, null, default);

            Assert.Equal(straight.Sha256, resumed.Sha256);
            var steps = (await Harness.StreamAsync(store, SftJob.JobId(runId, resumedDir))).Select(e => e.Data).OfType<PolicyCheckpointed>().Select(c => c.Step);
            Assert.Equal([1, 2, 3, 4], steps); // none missing, none doubled

            // The run's SL-CAI policy (for --policy sft:RUN) is the final checkpoint of its latest finished job.
            await using (var query = store.QuerySession())
                Assert.Contains((await EventStore.PolicyCheckpoints.LatestFinalAsync(query, runId, default))!.Path, new[] { straight.Path, resumed.Path });

            // A finished job run again returns its final checkpoint and trains nothing.
            var again = await job.RunAsync(new SftRequest(runId, "builtin:tiny", resumedDir, null, Hp), cpu, null, default);
            Assert.Equal((resumed.Step, resumed.Path, resumed.Sha256), (again.Step, again.Path, again.Sha256));
            // The same --out with other settings is refused.
            await Assert.ThrowsAsync<Domain.InputException>(() => job.RunAsync(new SftRequest(runId, "builtin:tiny", resumedDir, null, Hp with { Epochs = 3 }), cpu, null, default));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_bf16_job_with_accumulated_micro_batches_records_both_and_resumes_after_a_kill_to_the_same_weights()
    {
        var hp = Hp with { BatchSize = 1, Precision = "bf16", GradientAccumulation = 2 };
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.InMemory);
        var runId = await Harness.SubmitAsync(host, Harness.Request(Harness.Prompts(4), revisions: 1));
        await Harness.WaitAsync(host, runId);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var job = new SftJob(store, new WorkerIdentity("test"), TimeProvider.System);
        var cpu = new ModelOptions(Device: "cpu");
        var root = Directory.CreateTempSubdirectory("cai-sft-bf16-");
        try
        {
            var straightDir = Path.Combine(root.FullName, "straight");
            var straight = await job.RunAsync(new SftRequest(runId, "builtin:tiny", straightDir, null, hp), cpu, null, default);
            Assert.Equal(4, straight.Step); // 4 examples / (micro-batch 1 × 2) × 2 epochs
            var started = Assert.IsType<PolicyTrainingStarted>((await Harness.StreamAsync(store, SftJob.JobId(runId, straightDir)))[0].Data);
            Assert.Equal(("bf16", 2), (started.HyperParameters.Precision, started.HyperParameters.GradientAccumulation));

            var resumedDir = Path.Combine(root.FullName, "resumed");
            using (var kill = new CancellationTokenSource())
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.RunAsync(new SftRequest(runId, "builtin:tiny", resumedDir, null, hp), cpu,
                    (m, _) => { if (m.Step == 1) kill.Cancel(); }, kill.Token));
            }
            var resumed = await job.RunAsync(new SftRequest(runId, "builtin:tiny", resumedDir, null, hp), cpu, null, default);
            Assert.Equal(straight.Sha256, resumed.Sha256);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("builtin:tiny", null)]
    [InlineData("builtin:tiny", "bf16")]
    [InlineData("llama", null)]
    public async Task Lora_fine_tuning_writes_peft_adapter_checkpoints_keeps_the_base_and_a_killed_job_resumes_to_the_same_adapter(
        string baseKind, string? precision)
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.InMemory);
        var runId = await Harness.SubmitAsync(host, Harness.Request(Harness.Prompts(4), revisions: 1));
        await Harness.WaitAsync(host, runId);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var job = new SftJob(store, new WorkerIdentity("test"), TimeProvider.System);
        var cpu = new ModelOptions(Device: "cpu");
        var root = Directory.CreateTempSubdirectory("cai-sft-lora-");
        try
        {
            var baseModel = baseKind;
            if (baseKind == "llama")
            {
                var dir = Path.Combine(root.FullName, "llama-base");
                RandomCheckpoints.Write(dir, "llama", "tiny", 3);
                baseModel = "hf:" + dir;
            }
            var hp = Hp with { LearningRate = 1e-2, Precision = precision, Lora = new LoraHyperParameters(4, 8, 0) };
            var straightDir = Path.Combine(root.FullName, "straight");
            var straight = await job.RunAsync(new SftRequest(runId, baseModel, straightDir, null, hp), cpu, null, default);
            Assert.True(straight.Final);
            var started = Assert.IsType<PolicyTrainingStarted>((await Harness.StreamAsync(store, SftJob.JobId(runId, straightDir)))[0].Data);
            Assert.Equal(hp, started.HyperParameters);

            // The checkpoint is a PEFT adapter directory; hf: of it loads the base with the adapter, hashed base ‖ adapter.
            Assert.True(File.Exists(Path.Combine(straight.Path, "adapter_config.json")));
            Assert.False(File.Exists(Path.Combine(straight.Path, "model.safetensors")));
            var adapterSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                await File.ReadAllBytesAsync(Path.Combine(straight.Path, "adapter_model.safetensors"))));
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.ASCII.GetBytes(started.BaseCheckpointHash + adapterSha))), straight.Sha256);
            using (var policy = LocalTextModel.Load("hf:" + straight.Path, straight.Path, cpu))
            {
                Assert.Equal(straight.Sha256, policy.Identity.CheckpointHash);
                // The base weights did not move: the base the adapter names still hashes to the job's base hash.
                Assert.Equal(started.BaseCheckpointHash, policy.Identity.Adapter!.BaseCheckpointHash);
                Assert.Equal(started.BaseCheckpointHash, policy.Architecture.WeightsSha256(policy.Network));
            }
            var losses = (await Harness.StreamAsync(store, SftJob.JobId(runId, straightDir))).Select(e => e.Data).OfType<PolicyCheckpointed>()
                .Select(c => c.Metrics["loss"]).ToList();
            Assert.True(losses[^1] < losses[0], $"loss {string.Join(" -> ", losses)}");

            var resumedDir = Path.Combine(root.FullName, "resumed");
            using (var kill = new CancellationTokenSource())
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.RunAsync(new SftRequest(runId, baseModel, resumedDir, null, hp), cpu,
                    (m, _) => { if (m.Step == 1) kill.Cancel(); }, kill.Token));
            }
            var resumed = await job.RunAsync(new SftRequest(runId, baseModel, resumedDir, null, hp), cpu, null, default);
            Assert.Equal(straight.Sha256, resumed.Sha256);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(straight.Path, "adapter_model.safetensors")),
                await File.ReadAllBytesAsync(Path.Combine(resumed.Path, "adapter_model.safetensors")));

            // Other LoRA settings on the same --out are refused.
            await Assert.ThrowsAsync<Domain.InputException>(() => job.RunAsync(
                new SftRequest(runId, baseModel, resumedDir, null, hp with { Lora = new LoraHyperParameters(8, 8, 0) }), cpu, null, default));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
