using System.Text.Json;
using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Lora;
using CaiEvents.Models.Preference;
using CaiEvents.Workers.PPOLearner;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// <c>cai pm train --lora-rank 8</c> and <c>cai ppo train --lora-rank 8</c> end to end on a tiny random Llama checkpoint, over the real
/// PostgreSQL and RabbitMQ: adapter checkpoints in PEFT's layout, the base untouched, and a process killed with SIGKILL after its first
/// checkpoint and started again ends with the same sha256 as an uninterrupted run.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class LoraRlCliTests
{
    /// <summary>Every linear layer of the Llama family, named: the same adapters as the default, but another job id.</summary>
    private const string AllLlamaTargets = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj";

    private static JsonElement LastJson(string stdout) => JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, CliProcess process, string what) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            if (await probe() is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, $"no {what}: {process.Stderr}");
            Assert.False(process.HasExited, $"the process exited before {what}: {process.Stderr}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Lora_pm_and_ppo_train_on_a_tiny_llama_save_peft_adapters_and_resume_after_kill_9_to_the_same_sha256()
    {
        await using var services = await TestServices.StartAsync();
        var (runId, asOf) = await PreferenceModelJobTests.LabelledRunAsync(services);
        var root = Directory.CreateTempSubdirectory("cai-lora-rl-");
        try
        {
            var llama = Path.Combine(root.FullName, "llama");
            var baseSha = RandomCheckpoints.Write(llama, "llama", "tiny", seed: 3);
            var environment = services.ProcessEnvironment();
            environment["Workers__PMTrainer__OutputRoot"] = Path.Combine(root.FullName, "pm");
            environment["Workers__Jobs__PollIntervalMs"] = "200";
            environment["CAI_HOME"] = Path.Combine(root.FullName, "home");
            using var host = await Harness.StartHostAsync(services, [], TransportKind.InMemory);
            var store = host.Services.GetRequiredService<IDocumentStore>();

            // The preference model: adapters on the backbone, the head trained in full; uninterrupted, then killed and resumed.
            string[] pmArgs = ["pm", "train", "--run", runId.ToString(), "--as-of", asOf.ToString(), "--base", "hf:" + llama, "--lora-rank", "8",
                "--epochs", "12", "--batch-size", "4", "--lr", "0.001", "--heldout", "0.25", "--seed", "8", "--json"];
            var (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(8), pmArgs);
            Assert.True(exit == 0, stderr);
            var pmStraight = LastJson(stdout);
            var pmJob = Guid.Parse(pmStraight.GetProperty("job_id").GetString()!);
            var pmDir = pmStraight.GetProperty("checkpoint").GetString()!;
            var pmEvents = (await Harness.StreamAsync(store, pmJob)).Select(e => e.Data).ToList();
            var pmFinal = pmEvents.OfType<PreferenceModelCheckpointed>().Last();
            Assert.Equal(baseSha, pmFinal.BaseSha256);
            Assert.Equal(PeftAdapter.CombinedSha256(baseSha, pmFinal.AdapterSha256!), pmFinal.Sha256);
            Assert.Equal(pmFinal.Sha256, RewardModel.FileSha256(pmDir));
            Assert.Equal(8, Assert.IsType<PreferenceModelTrainingStarted>(pmEvents[0]).HyperParameters.Lora!.Rank);
            var losses = pmEvents.OfType<EpochCompleted>().Select(e => e.Loss).ToList();
            Assert.True(losses.TakeLast(4).Average() < losses.Take(4).Average(), $"PM loss {string.Join(", ", losses.Select(l => l.ToString("0.000")))}");
            var pmConfig = PeftAdapter.ReadConfig(pmDir);
            Assert.Equal((PeftAdapter.SequenceClassificationTask, "score"), (pmConfig.TaskType, Assert.Single(pmConfig.ModulesToSave)));
            Assert.Equal(baseSha, RewardModel.FileSha256(llama)); // the base checkpoint is untouched

            string[] pmKilledArgs = [.. pmArgs, "--lora-targets", AllLlamaTargets, "--transport", "rabbitmq"];
            using (var first = CliProcess.Start(environment, pmKilledArgs))
            {
                await WaitForAsync(async () =>
                {
                    await using var query = store.QuerySession();
                    return await query.Events.QueryRawEventDataOnly<PreferenceModelCheckpointed>().Where(c => c.JobId != pmJob).FirstOrDefaultAsync();
                }, first, "PM checkpoint");
                first.KillHard(); // kill -9 after the first epoch's checkpoint
            }
            (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(8), pmKilledArgs);
            Assert.True(exit == 0, stderr);
            var pmResumed = LastJson(stdout);
            var pmResumedEvents = (await Harness.StreamAsync(store, Guid.Parse(pmResumed.GetProperty("job_id").GetString()!))).Select(e => e.Data).ToList();
            Assert.Equal(Enumerable.Range(1, 12), pmResumedEvents.OfType<PreferenceModelCheckpointed>().Select(c => c.Epoch)); // none doubled
            Assert.Equal(pmFinal.Sha256, pmResumed.GetProperty("sha256").GetString());

            // PPO: adapters on the policy, its reference the base with them off, the value model the LoRA PM (adapters + head). The
            // labelled run holds comparisons only; PPO's prompt set is a run's submitted prompts.
            var promptRun = await Harness.SubmitAsync(host, Harness.Request(Harness.Prompts(5), revisions: 1));
            string[] PpoArgs(string output) => ["ppo", "train", "--run", promptRun.ToString(), "--pm", pmDir, "--policy", "hf:" + llama, "--lora-rank", "8",
                "--steps", "12", "--rollouts-per-step", "4", "--minibatch-size", "2", "--ppo-epochs", "1", "--lr", "1e-3", "--max-new-tokens", "4",
                "--checkpoint-every", "2", "--seed", "9", "--out", output, "--json"];
            (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(8), PpoArgs(Path.Combine(root.FullName, "ppo-straight")));
            Assert.True(exit == 0, stderr);
            var ppoStraight = LastJson(stdout);
            var ppoDir = ppoStraight.GetProperty("checkpoint").GetString()!;
            var ppoEvents = (await Harness.StreamAsync(store, Guid.Parse(ppoStraight.GetProperty("job_id").GetString()!))).Select(e => e.Data).ToList();
            var ppoFinal = ppoEvents.OfType<PolicyCheckpointed>().Last();
            Assert.Equal(baseSha, ppoFinal.BaseSha256);
            Assert.Equal(PeftAdapter.CombinedSha256(baseSha, ppoFinal.AdapterSha256!), ppoFinal.Sha256);
            Assert.Equal(baseSha, Assert.IsType<PpoStarted>(ppoEvents[0]).ReferenceCheckpointHash);
            Assert.True(PeftAdapter.IsAdapterDirectory(ppoDir) && !LocalCheckpoint.Exists(ppoDir), "the policy checkpoint is an adapter directory");
            Assert.True(PeftAdapter.IsAdapterDirectory(Path.Combine(ppoDir, PpoJob.ValueDirectoryName)), "the value model is saved as an adapter too");
            using (var policy = LocalTextModel.Load("hf:" + ppoDir, ppoDir, ModelOptions.Cpu)) Assert.Equal(ppoFinal.Sha256, policy.Identity.CheckpointHash);
            Assert.Equal(baseSha, RewardModel.FileSha256(llama));

            var killedOut = Path.Combine(root.FullName, "ppo-killed");
            string[] ppoKilledArgs = [.. PpoArgs(killedOut), "--transport", "rabbitmq"];
            var killedJob = PpoJob.JobId(promptRun, killedOut);
            using (var first = CliProcess.Start(environment, ppoKilledArgs))
            {
                await WaitForAsync(async () => (await Harness.StreamAsync(store, killedJob)).Select(e => e.Data).OfType<PolicyCheckpointed>().FirstOrDefault(),
                    first, "PPO checkpoint");
                first.KillHard(); // kill -9 after the first checkpoint
            }
            Assert.DoesNotContain((await Harness.StreamAsync(store, killedJob)).Select(e => e.Data), e => e is PolicyCheckpointed { Final: true });
            (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(8), ppoKilledArgs);
            Assert.True(exit == 0, stderr);
            var after = (await Harness.StreamAsync(store, killedJob)).Select(e => e.Data).ToList();
            Assert.Equal(Enumerable.Range(1, 12), after.OfType<PolicyUpdateCompleted>().Select(u => u.Step)); // none missing, none doubled
            Assert.Equal(ppoFinal.Sha256, LastJson(stdout).GetProperty("sha256").GetString()); // the same adapter as the uninterrupted run
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
