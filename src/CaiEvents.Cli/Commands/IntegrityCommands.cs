using System.CommandLine;
using System.Text.Json;
using CaiEvents.EventStore.Integrity;
using CaiEvents.Hosting;

namespace CaiEvents.Cli.Commands;

/// <summary>cai audit verify: recompute the tamper-evidence hash chain of the event store or of one run.</summary>
public static class IntegrityCommands
{
    public static Command Verify()
    {
        var run = new Option<string>("--run") { Description = "Verify only this run's streams (default: every stream in the store)" };
        var expectRoot = new Option<string>("--expect-root") { Description = "Fail unless the root hash equals this one (a root recorded earlier, elsewhere)" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("verify",
            "Recompute every event's chained hash and name any event edited, deleted or reordered in PostgreSQL; print the root hash over the "
            + "streams' heads. Exit 1 when anything is wrong.")
            { run, expectRoot, json };
        command.SetAction(async (parse, ct) =>
        {
            Guid? runId = parse.GetValue(run) is { } r ? Cli.ParseId(r, "run") : null;
            var expected = parse.GetValue(expectRoot)?.Trim().ToLowerInvariant();
            if (expected is not null && (expected.Length != 64 || !expected.All(Uri.IsHexDigit)))
                throw new UsageException($"--expect-root: '{expected}' is not a sha256 (64 hex digits)");
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct); // checks PostgreSQL answers and the schema exists
            ChainReport report;
            try { report = await ChainVerifier.VerifyAsync(CaiHost.EventStoreOptions(configuration), runId, ct); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            var rootMismatch = expected is not null && expected != report.RootHash;
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    ok = report.Ok && !rootMismatch,
                    run_id = report.RunId,
                    streams = report.Streams,
                    events = report.Events,
                    root_hash = report.RootHash,
                    expected_root = expected,
                    problems = report.Problems.Select(p => new
                    {
                        kind = p.Kind.ToString().ToLowerInvariant(), stream_id = p.StreamId, version = p.Version, sequence = p.Sequence,
                        type = p.EventType, detail = p.Detail,
                    }),
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var p in report.Problems) Console.WriteLine(p.ToString());
                Console.WriteLine($"root {report.RootHash} over {report.Streams} stream(s), {report.Events} event(s)");
            }
            if (!report.Ok || rootMismatch)
            {
                var what = new List<string>();
                if (!report.Ok) what.Add($"{report.Problems.Count} problem(s) in the hash chain");
                if (rootMismatch) what.Add($"root hash {report.RootHash} differs from the expected {expected}");
                Console.Error.WriteLine($"error: audit verify failed: {string.Join("; ", what)}");
                return Cli.ExitFailure;
            }
            Console.Error.WriteLine($"verified: {report.Events} event(s) in {report.Streams} stream(s), every hash chained and in place");
            return Cli.ExitOk;
        });
        return command;
    }
}
