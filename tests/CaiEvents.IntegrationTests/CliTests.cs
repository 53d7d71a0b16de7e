using CaiEvents.Contracts.Events;

namespace CaiEvents.IntegrationTests;

/// <summary>The CLI as separate processes: distributed mode, audit, unknown ids and roles (the bad-input table is in BadInputTests).</summary>
[Collection(nameof(IntegrationCollection))]
public class CliTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_worker_processes_plus_submit_and_wait_give_one_example_per_prompt()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        var dir = Directory.CreateTempSubdirectory("cai-cli-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, 6).Select(i => $"{{\"prompt\": \"Distributed prompt {i}: is it ok to read my partner's messages?\", \"id\": \"d-{i}\"}}"));

            using var workerA = CliProcess.Start(env, "worker", "generator", "critic", "reviser", "--concurrency", "1");
            using var workerB = CliProcess.Start(env, "worker", "generator", "critic", "reviser", "--concurrency", "1");
            var submit = await CliProcess.RunAsync(env, Quick, "submit", "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "8", "--model", "builtin:tiny");
            Assert.True(submit.ExitCode == 0, submit.Stderr);
            var runId = submit.Stdout.Trim().Split('\n')[^1].Trim();

            var wait = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(3), "wait", runId, "--timeout", "170");
            Assert.True(wait.ExitCode == 0, $"wait: {wait.Stderr}\nworker A: {workerA.Stderr}\nworker B: {workerB.Stderr}");

            var output = Path.Combine(dir.FullName, "sl.jsonl");
            var export = await CliProcess.RunAsync(env, Quick, "export", "sl", "--run", runId, "--out", output);
            Assert.True(export.ExitCode == 0, export.Stderr);
            var lines = await File.ReadAllLinesAsync(output);
            Assert.Equal(6, lines.Length);
            Assert.Equal(6, lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("sample_id").GetString()).Distinct().Count());

            var sampleId = System.Text.Json.JsonDocument.Parse(lines[0]).RootElement.GetProperty("sample_id").GetString()!;
            var audit = await CliProcess.RunAsync(env, Quick, "audit", "sample", sampleId, "--json");
            Assert.True(audit.ExitCode == 0, audit.Stderr);
            foreach (var expected in new[] { nameof(PromptSubmitted), nameof(ResponseGenerated), nameof(CritiqueProduced), nameof(RevisionProduced), nameof(SlExampleFinalized), "builtin:tiny", "principleId", "seed", "workerInstance" })
                Assert.Contains(expected, audit.Stdout);

            Assert.False(workerA.HasExited, workerA.Stderr);
            Assert.False(workerB.HasExited, workerB.Stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Unknown_ids_and_roles_are_clear_errors()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        var status = await CliProcess.RunAsync(env, Quick, "status", Guid.NewGuid().ToString());
        Assert.Equal(2, status.ExitCode);
        Assert.Contains("does not exist", status.Stderr);
        var notAGuid = await CliProcess.RunAsync(env, Quick, "audit", "sample", "nope");
        Assert.Equal(2, notAGuid.ExitCode);
        Assert.Contains("'nope' is not a valid id", notAGuid.Stderr);
        var workers = await CliProcess.RunAsync(env, Quick, "ppo", "train", "--run", Guid.NewGuid().ToString(), "--pm", "pm", "--rollouts", "workers");
        Assert.Equal(2, workers.ExitCode);
        Assert.Contains("--rollouts workers: needs --transport rabbitmq", workers.Stderr);
        var role = await CliProcess.RunAsync(env, Quick, "worker", "generator", "nosuchrole");
        Assert.Equal(2, role.ExitCode);
        Assert.Contains("unknown role 'nosuchrole'", role.Stderr);
    }
}
