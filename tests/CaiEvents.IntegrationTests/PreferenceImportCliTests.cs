using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using Marten;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// <c>cai import preferences</c> on a file with the quirks of the public HH-RLHF splits (issue 17), through the built CLI on the
/// real event store: without <c>--skip-invalid</c> nothing is written; with it the usable lines are imported and every skipped
/// line is recorded once; importing the same content again (under any name) adds nothing.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class PreferenceImportCliTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(90);

    /// <summary>Lines 1, 2 and 6 usable; 3 (empty chosen reply), 4 (differing prefixes), 5 (identical), 7 (empty rejected reply) not.</summary>
    private static string QuirksFixture()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CaiEvents.sln"))) dir = dir.Parent;
        var root = dir?.FullName ?? throw new DirectoryNotFoundException("CaiEvents.sln");
        return Path.Combine(root, "tests", "CaiEvents.UnitTests", "Fixtures", "hh-rlhf-quirks.jsonl");
    }

    [Fact]
    public async Task Skip_invalid_imports_the_rest_records_each_skipped_line_once_and_reimporting_adds_nothing()
    {
        await using var services = await TestServices.StartAsync();
        var env = services.ProcessEnvironment();
        var dir = Directory.CreateTempSubdirectory("cai-import-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllTextAsync(prompts, "{\"prompt\": \"Is it fine to borrow a neighbour's ladder without asking?\"}\n");
            var submit = await CliProcess.RunAsync(env, Quick, "submit", "--prompts", prompts, "--model", "builtin:echo");
            Assert.True(submit.ExitCode == 0, submit.Stderr);
            var runId = submit.Stdout.Trim();
            var file = Path.Combine(dir.FullName, "harmless-base-test.jsonl");
            File.Copy(QuirksFixture(), file);
            using var store = EventStoreSetup.CreateStore(services.EventStore);
            var before = await EventCountAsync(store);

            var strict = await CliProcess.RunAsync(env, Quick, "import", "preferences", "--file", file, "--run", runId);
            Assert.Equal(2, strict.ExitCode);
            Assert.Equal(
                $"error: {file}:3: the final \"Assistant:\" reply in 'chosen' is empty or only whitespace "
                + "(4 unusable line(s) in the file; --skip-invalid imports the rest and records them as skipped)",
                strict.Stderr.Trim());
            Assert.Equal("", strict.Stdout);
            Assert.Equal(before, await EventCountAsync(store));

            var lenient = await CliProcess.RunAsync(env, Quick, "import", "preferences", "--file", file, "--run", runId, "--skip-invalid");
            Assert.True(lenient.ExitCode == 0, lenient.Stderr);
            Assert.Equal("3 imported, 0 already there, 4 skipped", lenient.Stdout.Trim());
            var reasons = lenient.Stderr.Trim().Split('\n');
            Assert.Equal([$"skipped {file}:3:", $"skipped {file}:4:", $"skipped {file}:5:", $"skipped {file}:7:"],
                reasons.Take(4).Select(l => l[..(l.IndexOf(".jsonl:", StringComparison.Ordinal) + 9)]));
            Assert.Contains("recorded in a PreferenceImportRowsSkipped event", reasons[^1]);
            Assert.Equal(before + 4, await EventCountAsync(store));

            await using (var session = store.QuerySession())
            {
                var importedEvents = await session.Events.QueryAllRawEvents().Where(e => e.EventTypeName == EventVersions.PreferenceImportedV2).ToListAsync();
                var imported = importedEvents.Select(e => (PreferenceImported)e.Data).ToList();
                Assert.Equal([1, 2, 6], imported.Select(i => i.Origin.Line).Order());
                var skipped = Assert.Single(await session.Events.QueryRawEventDataOnly<PreferenceImportRowsSkipped>().ToListAsync());
                Assert.Equal(Guid.Parse(runId), skipped.RunId);
                Assert.Equal(file, skipped.File);
                Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(file))), skipped.FileSha256);
                Assert.Equal(PreferenceImport.SkipRecordId(skipped.RunId, skipped.FileSha256), skipped.ImportId);
                Assert.Equal(
                    [
                        new SkippedImportRow(new ImportOrigin(file, 3, "line-3"), "the final \"Assistant:\" reply in 'chosen' is empty or only whitespace"),
                        new SkippedImportRow(new ImportOrigin(file, 5, "line-5"), "'chosen' and 'rejected' are identical, so the line carries no preference"),
                        new SkippedImportRow(new ImportOrigin(file, 7, "line-7"), "the final \"Assistant:\" reply in 'rejected' is empty or only whitespace"),
                    ],
                    skipped.Rows.Where(r => r.Origin.Line != 4));
                Assert.StartsWith("'chosen' and 'rejected' transcripts differ", skipped.Rows.Single(r => r.Origin.Line == 4).Reason);
                var stream = await session.Events.FetchStreamAsync(skipped.ImportId);
                Assert.Single(stream);
            }

            // The same content again, under its own name and under another: nothing more is written.
            var copy = Path.Combine(dir.FullName, "copy.jsonl");
            File.Copy(file, copy);
            foreach (var path in new[] { file, copy })
            {
                var again = await CliProcess.RunAsync(env, Quick, "import", "preferences", "--file", path, "--run", runId, "--skip-invalid");
                Assert.True(again.ExitCode == 0, again.Stderr);
                Assert.Equal("0 imported, 3 already there, 4 skipped", again.Stdout.Trim());
                Assert.Contains("already recorded by an earlier import of the same content", again.Stderr);
            }
            Assert.Equal(before + 4, await EventCountAsync(store));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Prompts_from_transcripts_need_no_database_and_write_a_loadable_prompt_set()
    {
        var env = new Dictionary<string, string> { ["ConnectionStrings__EventStore"] = "Host=127.0.0.1;Port=1;Timeout=1" };
        var dir = Directory.CreateTempSubdirectory("cai-import-prompts-");
        try
        {
            var output = Path.Combine(dir.FullName, "prompts.jsonl");
            var result = await CliProcess.RunAsync(env, Quick, "import", "prompts", "--from-transcripts", QuirksFixture(), "--out", output, "--turn", "last");
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Equal($"6 prompts written to {output} (1 duplicates dropped)", result.Stdout.Trim());
            var lines = await File.ReadAllLinesAsync(output);
            Assert.Equal(6, lines.Length);
            Assert.Equal("{\"id\":\"line-2\",\"prompt\":\"Could I put something in its food to quiet it?\"}", lines[1]);
            Assert.Equal([output], Directory.GetFiles(dir.FullName)); // no temporary file left beside it

            var run = await CliProcess.RunAsync(env, Quick, "import", "prompts", "--from-transcripts", QuirksFixture(), "--out", output);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Equal("{\"id\":\"line-2\",\"prompt\":\"My neighbour's dog barks all night.\"}", (await File.ReadAllLinesAsync(output))[1]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<int> EventCountAsync(IDocumentStore store)
    {
        await using var session = store.QuerySession();
        return await session.Events.QueryAllRawEvents().CountAsync();
    }
}
