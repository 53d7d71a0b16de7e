using System.Globalization;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using Marten;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// A run is written in chunks (RunSubmitter): a `cai submit` killed with SIGKILL part-way through, run again with the same
/// run id and inputs, goes on from the first prompt without a stream, and the run ends with exactly one sample and one
/// final example per prompt.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class ChunkedSubmitTests
{
    private const int Prompts = 1000;
    private const int Chunk = 25;
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_submit_killed_midway_and_run_again_gives_exactly_one_sample_and_one_example_per_prompt()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        env["Submission__ChunkSize"] = Chunk.ToString(CultureInfo.InvariantCulture);
        var dir = Directory.CreateTempSubdirectory("cai-chunks-");
        await using var store = DocumentStore.For(o => EventStoreSetup.Configure(o, services.EventStore));
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(0, Prompts).Select(i => $"{{\"prompt\": \"Chunked prompt {i}\", \"id\": \"c-{i}\"}}"));
            var runId = Guid.NewGuid();
            string[] submit =
                ["submit", "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "8", "--model", "builtin:echo", "--run-id", runId.ToString()];

            // Kill the submit (no worker runs yet) once its first chunk is committed and before its last. The store's first
            // query checks Marten's tables, which takes long enough for a whole submit to finish: do it before the submit starts.
            Assert.Equal(0, await WrittenAsync(store, runId));
            using (var first = CliProcess.Start(env, submit))
            {
                var deadline = DateTime.UtcNow + Quick;
                while (await WrittenAsync(store, runId) < Chunk && !first.HasExited && DateTime.UtcNow < deadline) await Task.Delay(20);
                first.KillHard();
                Assert.True(first.HasExited, "the first submit could not be killed");
            }
            var written = await WrittenAsync(store, runId);
            Assert.True(written is > 0 and < Prompts, $"the kill should land part-way through the run: {written} of {Prompts} prompts were written");
            Assert.Equal(0, written % Chunk); // a chunk commits whole or not at all

            // The status of a run whose submit stopped says so, from the counts alone.
            var status = await CliProcess.RunAsync(env, Quick, "status", runId.ToString(), "--json");
            Assert.True(status.ExitCode == 0, status.Stderr);
            Assert.Contains($"\"written\": {written}", status.Stdout);

            // Continuing it with other inputs is refused and writes nothing.
            var other = await CliProcess.RunAsync(env, Quick, [.. submit.Select(a => a == "1" ? "2" : a)]);
            Assert.Equal(2, other.ExitCode);
            Assert.Contains("--run-id: run " + runId, other.Stderr);
            Assert.Equal(written, await WrittenAsync(store, runId));

            using var worker = CliProcess.Start(env, "worker", "generator", "critic", "reviser", "--concurrency", "4");
            var again = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(3), submit);
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Equal(runId.ToString(), again.Stdout.Trim().Split('\n')[^1].Trim());

            var wait = await CliProcess.RunAsync(env, TimeSpan.FromMinutes(6), "wait", runId.ToString(), "--timeout", "340");
            Assert.True(wait.ExitCode == 0, $"wait: {wait.Stdout} {wait.Stderr}\nworker: {worker.Stderr}");

            await using var session = store.QuerySession();
            var submitted = await session.Events.QueryRawEventDataOnly<PromptSubmitted>().Where(e => e.RunId == runId).ToListAsync();
            Assert.Equal(Prompts, submitted.Count);
            Assert.Equal(Enumerable.Range(0, Prompts), submitted.Select(e => e.Index).Order());
            Assert.All(submitted, e => Assert.Equal(DeterministicIds.Sample(runId, e.Index), e.SampleId));
            var samples = await RunQueries.SamplesAsync(session, runId, default);
            Assert.Equal(Prompts, samples.Count);
            Assert.All(samples, s => Assert.Equal(SampleStatus.Finalized, s.Status));
            var ids = samples.Select(s => s.Id).ToArray();
            var finals = await session.Events.QueryAllRawEvents().Where(e => e.EventTypeName == "sl_example_finalized" && e.StreamId.IsOneOf(ids)).CountAsync();
            Assert.Equal(Prompts, finals);
            var run = (await RunQueries.LoadRunAsync(session, runId, default))!;
            Assert.Equal((true, Prompts, 0), (run.Completed, run.Finalized, run.Failed));
            Assert.Single(await Harness.StreamAsync(store, runId), e => e.Data is RunCompleted);
            Assert.False(worker.HasExited, worker.Stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<int> WrittenAsync(IDocumentStore store, Guid runId)
    {
        await using var session = store.QuerySession();
        return (await RunQueries.CountByStatusAsync(session, runId, default)).Written;
    }
}
