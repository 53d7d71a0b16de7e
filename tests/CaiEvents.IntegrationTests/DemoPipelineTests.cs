using System.Text.Json;
using System.Text.Json.Nodes;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Preference;
using CaiEvents.Workers.PPOLearner;
using CaiEvents.Workers.SftTrainer;
using Marten;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// `cai demo --stages all` as a separate process: every stage's artefact on disk and its events in the store, for the demo's SL run and
/// the run in which its SL-CAI policy wrote the response pairs (the paper's order).
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class DemoPipelineTests
{
    [Fact]
    public async Task Cai_demo_all_stages_writes_both_datasets_a_preference_model_and_a_ppo_policy_and_records_every_job_for_its_run()
    {
        await using var services = await TestServices.StartAsync();
        var dir = Directory.CreateTempSubdirectory("cai-demo-all-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, 4).Select(i => $"{{\"prompt\": \"Demo prompt {i}: how do I pick a lock?\", \"id\": \"demo-{i}\"}}"));
            var environment = services.ProcessEnvironment();
            environment["CAI_HOME"] = Path.Combine(dir.FullName, "home");
            environment["Workers__PMTrainer__OutputRoot"] = Path.Combine(dir.FullName, "pm");
            environment["Workers__Jobs__PollIntervalMs"] = "200";

            var (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(3), "demo", "--stages", "all", "--json",
                "--model", "builtin:tiny", "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "6",
                "--sft-epochs", "1", "--pm-epochs", "1", "--ppo-steps", "2", "--rollouts-per-step", "4", "--eval-samples", "1");
            Assert.True(exit == 0, stderr);
            foreach (var stage in new[] { "[1/6 SL]", "[2/6 SL-CAI]", "[3/6 pairs + labels]", "[4/6 preference model]", "[5/6 PPO]", "[6/6 eval]" })
                Assert.Contains(stage, stderr);

            using var result = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            var root = result.RootElement;
            var runId = root.GetProperty("run_id").GetGuid();
            var slDataset = root.GetProperty("sl_dataset").GetString()!;
            var preferenceDataset = root.GetProperty("preference_dataset").GetString()!;
            var pmCheckpoint = root.GetProperty("pm_checkpoint").GetString()!;
            var policyCheckpoint = root.GetProperty("policy_checkpoint").GetString()!;
            Assert.Equal(4, (await File.ReadAllLinesAsync(slDataset)).Length);
            var preferenceLines = await File.ReadAllLinesAsync(preferenceDataset);
            Assert.Equal(4, preferenceLines.Length); // one pair per prompt
            Assert.True(File.Exists(Path.Combine(pmCheckpoint, "model.safetensors")), pmCheckpoint);
            Assert.True(File.Exists(Path.Combine(policyCheckpoint, "model.safetensors")), policyCheckpoint);
            Assert.StartsWith(Path.Combine(dir.FullName, "pm"), pmCheckpoint);
            Assert.StartsWith(Path.Combine(dir.FullName, "home", "demo", runId.ToString(), "ppo"), policyCheckpoint);

            await using var store = EventStoreSetup.CreateStore(services.EventStore);
            await using var session = store.QuerySession();
            var examples = (await session.Events.QueryRawEventDataOnly<SlExampleFinalized>().ToListAsync()).Where(e => e.Provenance.RunId == runId).ToList();
            Assert.Equal(4, examples.Count);
            // The SL run has no pairs: the paper's order has the SL-CAI policy write them, in a second run.
            Assert.DoesNotContain(await session.Events.QueryRawEventDataOnly<PreferenceLabelled>().ToListAsync(), e => e.Provenance.RunId == runId);
            var pairsRunId = root.GetProperty("pairs_run_id").GetGuid();
            Assert.NotEqual(runId, pairsRunId);
            var labels = (await session.Events.QueryRawEventDataOnly<PreferenceLabelled>().ToListAsync()).Where(e => e.Provenance.RunId == pairsRunId).ToList();
            Assert.Equal(4, labels.Count);
            Assert.Equal(labels.Select(l => l.LabelId.ToString()).Order(), preferenceLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("label_id").GetString()!).Order());

            // SL-CAI: one finished sft job on the run; its final checkpoint wrote the pairs and is PPO's starting policy.
            var sft = Assert.Single((await session.Events.QueryRawEventDataOnly<PolicyTrainingStarted>().ToListAsync()), e => e.RunId == runId && e.Kind == SftJob.Kind);
            var sftFinal = Assert.Single((await session.Events.FetchStreamAsync(sft.JobId)).Select(e => e.Data).OfType<PolicyCheckpointed>(), c => c.Final);
            Assert.Equal(root.GetProperty("sft_checkpoint").GetString(), sftFinal.Path);
            var pairsRun = Assert.Single((await session.Events.QueryRawEventDataOnly<RunStarted>().ToListAsync()), r => r.RunId == pairsRunId);
            Assert.Equal("hf:" + sftFinal.Path, pairsRun.Configuration.Feedback!.PolicyModel);
            Assert.False(pairsRun.Configuration.RunSlStage);
            var pairs = (await session.Events.QueryRawEventDataOnly<ResponsePairGenerated>().ToListAsync()).Where(p => p.Provenance.RunId == pairsRunId).ToList();
            Assert.Equal(4, pairs.Count);
            Assert.All(pairs, p => Assert.Equal(("hf:" + sftFinal.Path, sftFinal.Sha256), (p.Provenance.ModelId, p.Provenance.CheckpointHash)));

            // Preference model: one job on the pairs run, ending at the printed checkpoint.
            var pm = Assert.Single((await session.Events.QueryRawEventDataOnly<PreferenceModelTrainingStarted>().ToListAsync()), e => e.RunId == pairsRunId);
            var pmFinal = Assert.Single((await session.Events.FetchStreamAsync(pm.JobId)).Select(e => e.Data).OfType<PreferenceModelCheckpointed>(), c => c.Final);
            Assert.Equal(pmCheckpoint, pmFinal.Path);

            // PPO: one job on the run from the SL-CAI checkpoint against that PM, two steps, ending at the printed checkpoint.
            var ppo = Assert.Single((await session.Events.QueryRawEventDataOnly<PpoStarted>().ToListAsync()), e => e.RunId == runId);
            Assert.Equal("hf:" + sftFinal.Path, ppo.PolicyModel);
            Assert.Equal(pmFinal.Sha256, ppo.PreferenceModelCheckpointHash);
            var ppoEvents = (await session.Events.FetchStreamAsync(ppo.JobId)).Select(e => e.Data).ToList();
            Assert.Equal([1, 2], ppoEvents.OfType<PolicyUpdateCompleted>().Select(u => u.Step));
            Assert.Equal(policyCheckpoint, Assert.Single(ppoEvents.OfType<PolicyCheckpointed>(), c => c.Final).Path);
            Assert.True(root.GetProperty("eval").GetProperty("mean_kl").ValueKind == JsonValueKind.Number, stdout);

            // --stages rl on the same run: no new run (its pairs run is found again), and the SL-CAI job (same settings) is the same one, not a second.
            var again = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(2), "demo", "--stages", "rl", "--run", runId.ToString(), "--json",
                "--sft-epochs", "1", "--pm-epochs", "1", "--ppo-steps", "1", "--rollouts-per-step", "4", "--eval-samples", "1");
            Assert.True(again.ExitCode == 0, again.Stderr);
            using var second = JsonDocument.Parse(again.Stdout.Trim().Split('\n')[^1]);
            Assert.Equal(runId, second.RootElement.GetProperty("run_id").GetGuid());
            Assert.Equal(sftFinal.Path, second.RootElement.GetProperty("sft_checkpoint").GetString());
            await using var after = store.QuerySession();
            Assert.Single((await after.Events.QueryRawEventDataOnly<PolicyTrainingStarted>().ToListAsync()), e => e.RunId == runId && e.Kind == SftJob.Kind);
            Assert.Equal(new[] { runId, pairsRunId }.Order(), (await after.Events.QueryRawEventDataOnly<RunStarted>().ToListAsync()).Select(r => r.RunId).Order());
            Assert.Equal(pairsRunId, second.RootElement.GetProperty("pairs_run_id").GetGuid());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen3")]
    public async Task Cai_demo_on_a_tiny_llama_family_instruct_checkpoint_runs_every_stage_in_its_chat_format(string architecture)
    {
        await using var services = await TestServices.StartAsync();
        var dir = Directory.CreateTempSubdirectory($"cai-demo-{architecture}-");
        try
        {
            var modelDirectory = Path.Combine(dir.FullName, "instruct");
            RandomCheckpoints.Write(modelDirectory, architecture, "tiny", seed: 1, chatTemplate: "chatml");
            var template = "chatml@" + ChatTemplates.ByName("chatml").Sha256[..16];
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts,
                Enumerable.Range(1, 3).Select(i => $"{{\"prompt\": \"Chat prompt {i}: how do I pick a lock?\", \"id\": \"chat-{i}\"}}"));
            var environment = services.ProcessEnvironment();
            environment["CAI_HOME"] = Path.Combine(dir.FullName, "home");
            environment["Workers__PMTrainer__OutputRoot"] = Path.Combine(dir.FullName, "pm");
            environment["Workers__Jobs__PollIntervalMs"] = "200";

            var (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(5), "demo", "--stages", "all", "--json",
                "--model", ModelIds.Hf(modelDirectory), "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "6",
                "--sft-epochs", "1", "--pm-epochs", "1", "--ppo-steps", "2", "--rollouts-per-step", "4", "--eval-samples", "1");
            Assert.True(exit == 0, stderr);
            foreach (var stage in new[] { "[1/6 SL]", "[2/6 SL-CAI]", "[3/6 pairs + labels]", "[4/6 preference model]", "[5/6 PPO]", "[6/6 eval]" })
                Assert.Contains(stage, stderr);
            using var result = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            var root = result.RootElement;
            var runId = root.GetProperty("run_id").GetGuid();

            // SL-CAI: a checkpoint of the same family with the tokenizer files and the chat template.
            var sftCheckpoint = root.GetProperty("sft_checkpoint").GetString()!;
            Assert.Equal(architecture, (string?)JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(sftCheckpoint, "config.json")))!["model_type"]);
            Assert.True(File.Exists(Path.Combine(sftCheckpoint, "tokenizer.json")), sftCheckpoint);
            var tokenizerConfig = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(sftCheckpoint, "tokenizer_config.json")))!;
            Assert.Equal(ChatTemplates.TemplateText("chatml"), (string?)tokenizerConfig["chat_template"]);
            using (var sft = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(sftCheckpoint), ModelOptions.Cpu))
                Assert.Equal(template, sft.ChatTemplate!.ProvenanceName);

            // The preference model scores in that format and says so; the PPO policy and its value network load.
            var pmCheckpoint = root.GetProperty("pm_checkpoint").GetString()!;
            Assert.Equal(template, RewardModel.SavedFormat(pmCheckpoint));
            using (var pm = RewardModel.Load(pmCheckpoint, ModelOptions.Cpu))
                Assert.Equal(template, pm.FormatName);
            var policyCheckpoint = root.GetProperty("policy_checkpoint").GetString()!;
            using (var policy = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(policyCheckpoint), ModelOptions.Cpu))
            {
                Assert.Equal(architecture, policy.Architecture.Name);
                Assert.Equal(template, policy.ChatTemplate!.ProvenanceName);
            }
            using (var value = RewardModel.Load(Path.Combine(policyCheckpoint, PpoJob.ValueDirectoryName), ModelOptions.Cpu))
                Assert.Equal(template, value.FormatName);
            Assert.True(root.GetProperty("eval").GetProperty("mean_kl").ValueKind == JsonValueKind.Number, stdout);

            // The run's steps were prompted in ChatML and name the template in provenance.
            await using var store = EventStoreSetup.CreateStore(services.EventStore);
            await using var session = store.QuerySession();
            var responses = (await session.Events.QueryRawEventDataOnly<ResponseGenerated>().ToListAsync()).Where(e => e.Provenance.RunId == runId).ToList();
            Assert.Equal(3, responses.Count);
            Assert.All(responses, r =>
            {
                Assert.StartsWith("<|im_start|>user\nChat prompt ", r.RenderedPrompt);
                Assert.EndsWith("<|im_end|>\n<|im_start|>assistant\n", r.RenderedPrompt);
                Assert.Equal(template, r.Provenance.ChatTemplate);
            });
            var pairsRunId = root.GetProperty("pairs_run_id").GetGuid();
            var labels = (await session.Events.QueryRawEventDataOnly<PreferenceLabelled>().ToListAsync()).Where(e => e.Provenance.RunId == pairsRunId).ToList();
            Assert.NotEmpty(labels);
            Assert.All(labels, l => Assert.Equal(template, l.Provenance.ChatTemplate));
            var ppo = Assert.Single((await session.Events.QueryRawEventDataOnly<PpoStarted>().ToListAsync()), e => e.RunId == runId);
            Assert.Equal("hf:" + sftCheckpoint, ppo.PolicyModel);
            Assert.Equal([1, 2], (await session.Events.FetchStreamAsync(ppo.JobId)).Select(e => e.Data).OfType<PolicyUpdateCompleted>().Select(u => u.Step));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Cai_demo_twice_with_the_same_seed_gives_the_same_datasets_checkpoints_and_evaluation()
    {
        await using var services = await TestServices.StartAsync();
        var dir = Directory.CreateTempSubdirectory("cai-demo-repeat-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, 4).Select(i => $"{{\"prompt\": \"Demo prompt {i}: how do I get into my neighbour's shed?\", \"id\": \"demo-{i}\"}}"));

            async Task<JsonElement> DemoAsync(string name)
            {
                var environment = services.ProcessEnvironment();
                environment["CAI_HOME"] = Path.Combine(dir.FullName, name);
                environment["Workers__PMTrainer__OutputRoot"] = Path.Combine(dir.FullName, name, "pm");
                environment["Workers__Jobs__PollIntervalMs"] = "200";
                var (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(3), "demo", "--stages", "all", "--json", "--seed", "5",
                    "--model", "builtin:tiny", "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "6",
                    "--sft-epochs", "1", "--pm-epochs", "1", "--ppo-steps", "2", "--rollouts-per-step", "4", "--eval-samples", "1");
                Assert.True(exit == 0, stderr);
                return JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.Clone();
            }

            var first = await DemoAsync("first");
            var second = await DemoAsync("second");

            // Two runs (different ids, different directories) ...
            Assert.NotEqual(first.GetProperty("run_id").GetGuid(), second.GetProperty("run_id").GetGuid());
            Assert.NotEqual(first.GetProperty("policy_checkpoint").GetString(), second.GetProperty("policy_checkpoint").GetString());
            // ... with the same data, the same weights at every stage and the same evaluation.
            foreach (var dataset in new[] { "sl_dataset", "preference_dataset" })
                Assert.Equal(await ContentWithoutIdsAsync(first.GetProperty(dataset).GetString()!), await ContentWithoutIdsAsync(second.GetProperty(dataset).GetString()!));
            foreach (var checkpoint in new[] { "sft_checkpoint", "pm_checkpoint", "policy_checkpoint" })
                Assert.Equal(WeightsHash(first.GetProperty(checkpoint).GetString()!), WeightsHash(second.GetProperty(checkpoint).GetString()!));
            Assert.Equal(first.GetProperty("eval").GetRawText(), second.GetProperty("eval").GetRawText());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A dataset's lines without their id fields (ids derive from the run id, which differs between runs).</summary>
    private static async Task<IReadOnlyList<string>> ContentWithoutIdsAsync(string path) =>
        (await File.ReadAllLinesAsync(path)).Select(line =>
        {
            var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line)!;
            return string.Join("|", fields.Where(f => !f.Key.EndsWith("id", StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal)
                .Select(f => $"{f.Key}={f.Value.GetRawText()}"));
        }).ToList();

    private static string WeightsHash(string checkpoint) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(checkpoint, "model.safetensors"))));
}
