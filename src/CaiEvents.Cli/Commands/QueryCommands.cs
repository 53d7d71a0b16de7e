using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using CaiEvents.Cli.Rendering;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Audit;
using CaiEvents.EventStore.Datasets;
using Spectre.Console;

namespace CaiEvents.Cli.Commands;

/// <summary>status, wait, export and audit: read-only views of the event store.</summary>
public static class QueryCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static Argument<string> RunArgument() => new("run") { Description = "Run id" };

    public static Command Status()
    {
        var run = RunArgument();
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("status", "Progress of a run: samples per state, and whether it completed.") { run, json };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            await using var session = store.QuerySession();
            var state = await RunQueries.LoadRunAsync(session, runId, ct) ?? throw new UsageException($"run {runId} does not exist");
            var p = await RunQueries.CountByStatusAsync(session, runId, ct);
            var failures = (await RunQueries.FailedSamplesAsync(session, runId, ct))
                .Select(s => new
                {
                    item = "sample", id = s.Id, prompt_id = s.PromptId, step = s.FailedStep, error = $"{s.FailureType}: {s.FailureMessage}",
                    retries = s.Retries,
                })
                .Concat((await RunQueries.FailedComparisonsAsync(session, runId, ct))
                    .Select(c => new
                    {
                        item = "comparison", id = c.Id, prompt_id = c.PromptId, step = c.FailedStep, error = $"{c.FailureType}: {c.FailureMessage}",
                        retries = c.Retries,
                    }))
                .ToList();
            var summary = new
            {
                run_id = runId,
                completed = state.Completed,
                // Below the item count while a chunked submit is still writing the run's prompts.
                written = p.Written,
                samples = state.SampleCount,
                comparisons = state.PairCount,
                labelled = p.Labelled,
                comparisons_failed = p.PairsFailed,
                submitted = p.Submitted,
                responded = p.Responded,
                finalized = p.Finalized,
                failed = p.Failed,
                revisions = state.Configuration.Revisions,
                constitution = $"{state.Constitution.Id} v{state.Constitution.Version} ({state.Constitution.ContentHash[..12]})",
                started_at = state.StartedAt,
                completed_at = state.CompletedAt,
                retry_requests = state.RetryRequests,
                failures,
            };
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(summary, Json));
                return Cli.ExitOk;
            }
            var table = new Table().AddColumns("run", "state", "samples", "in flight", "finalised", "failed");
            var shown = state.Completed ? "[green]completed[/]"
                : p.Written < state.ItemCount ? $"[yellow]submitting[/] ({p.Written}/{state.ItemCount} written)" : "[yellow]running[/]";
            table.AddRow(runId.ToString(), shown, state.SampleCount.ToString(),
                (p.Submitted + p.Responded).ToString(), p.Finalized.ToString(), p.Failed.ToString());
            AnsiConsole.Write(table);
            if (state.PairCount > 0)
            {
                var pairs = new Table().AddColumns("comparisons", "in flight", "labelled", "failed");
                pairs.AddRow(state.PairCount.ToString(), p.PairsPending.ToString(), p.Labelled.ToString(), p.PairsFailed.ToString());
                AnsiConsole.Write(pairs);
            }
            foreach (var f in failures) AnsiConsole.MarkupLineInterpolated($"[red]failed[/] {f.item} {f.id} ({f.prompt_id}) at {f.step}: {f.error}");
            if (failures.Count > 0) AnsiConsole.MarkupLineInterpolated($"Retry them with: ./cai retry-failed {runId}");
            return Cli.ExitOk;
        });
        return command;
    }

    public static Command Wait()
    {
        var run = RunArgument();
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait", DefaultValueFactory = _ => 3600 };
        var command = new Command("wait", "Wait until a run completes (exit 3 on timeout, 1 if any sample failed).") { run, timeout };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            await using (var session = store.QuerySession())
                if (await RunQueries.LoadRunAsync(session, runId, ct) is null) throw new UsageException($"run {runId} does not exist");
            var state = await Progress.WaitAsync(store, runId, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
            Console.WriteLine($"{runId} completed: {state.Finalized} finalised, {state.Failed} failed");
            return state.Failed == 0 ? Cli.ExitOk : Cli.ExitFailure;
        });
        return command;
    }

    public static Command Export() => new("export", "Export datasets built from the event store.")
    {
        DatasetExport("sl", "The SL-CAI dataset: one JSON line per finalised sample (prompt, completion, rounds, provenance ids); "
            + "--format conversational: messages (user, assistant) instead of prompt and completion.", "SL examples",
            SlDatasetExport.WriteFileAsync),
        DatasetExport("preferences",
            "The preference dataset: prompt, chosen, rejected (TRL's reward/DPO shape), score (soft target for chosen), label_id, source (ai|human); "
            + "--format conversational: prompt, chosen and rejected as message lists.",
            "preference examples", PreferenceDatasetExport.WriteFileAsync),
    };

    /// <summary>An export sub-command: validate the run and the output directory, then write the file atomically.</summary>
    private static Command DatasetExport(string name, string description, string what,
        Func<Marten.IQuerySession, Guid, string, CancellationToken, long?, DatasetExportOptions?, Task<int>> write)
    {
        var run = new Option<string>("--run") { Description = "Run id", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Output file (JSONL, or Parquet with --parquet); written atomically", Required = true };
        var asOf = new Option<long?>("--as-of") { Description = "Event sequence: the dataset exactly as it stood once this event was written (default: now)" };
        var format = new Option<string>("--format")
        {
            Description = "Row shape: text (default: prompt/completion, prompt/chosen/rejected as strings) or conversational (TRL's message lists)",
            DefaultValueFactory = _ => "text",
        };
        var parquet = new Option<bool>("--parquet") { Description = "Write the same rows as one Parquet file instead of JSON Lines" };
        var command = new Command(name, description) { run, output, asOf, format, parquet };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var options = new DatasetExportOptions(ParseFormat(parse.GetValue(format)!), parse.GetValue(parquet));
            var path = parse.GetValue(output)!.FullName;
            if (!Directory.Exists(Path.GetDirectoryName(path))) throw new UsageException($"--out: directory {Path.GetDirectoryName(path)} does not exist");
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            await using var session = store.QuerySession();
            if (await RunQueries.LoadRunAsync(session, runId, ct) is null) throw new UsageException($"run {runId} does not exist");
            var sequence = parse.GetValue(asOf);
            int count;
            try
            {
                if (sequence is { } limit) await PointInTime.ValidateAsync(session, limit, ct);
                count = await write(session, runId, path, ct, sequence, options);
            }
            catch (AsOfException e) { throw new UsageException(e.Message); }
            Console.Error.WriteLine($"{count} {what} written");
            Console.WriteLine(path);
            return Cli.ExitOk;
        });
        return command;
    }

    private static DatasetFormat ParseFormat(string value) => value.ToLowerInvariant() switch
    {
        "text" => DatasetFormat.Text,
        "conversational" => DatasetFormat.Conversational,
        _ => throw new UsageException($"--format: '{value}' is not one of text, conversational"),
    };

    public static Command Audit()
    {
        var sampleArgument = new Argument<string>("sample") { Description = "Sample id (sample_id in an exported line)" };
        var json = new Option<bool>("--json") { Description = "Print the events as JSON" };
        var sample = new Command("sample", "A sample's events in order, with the provenance of each step.") { sampleArgument, json };
        sample.SetAction(async (parse, ct) =>
        {
            var sampleId = Cli.ParseId(parse.GetValue(sampleArgument)!, "sample");
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            await using var session = store.QuerySession();
            var events = await RunQueries.SampleEventsAsync(session, sampleId, ct);
            if (events.Count == 0) throw new UsageException($"sample {sampleId} does not exist");
            PrintEvents(events, parse.GetValue(json));
            return Cli.ExitOk;
        });
        var labelArgument = new Argument<string>("label") { Description = "Label id (label_id in an exported preference line)" };
        var labelJson = new Option<bool>("--json") { Description = "Print the comparison's events as JSON" };
        var label = new Command("label",
            "The whole chain behind an AI preference label: prompt, both responses (model, seed, sampling), every feedback prompt verbatim, log-probs, "
            + "normalisation, averaging, clamping, final label.") { labelArgument, labelJson };
        label.SetAction(async (parse, ct) =>
        {
            var labelId = Cli.ParseId(parse.GetValue(labelArgument)!, "label");
            var configuration = Cli.Configuration();
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            await using var session = store.QuerySession();
            var chain = await LabelAudit.LoadAsync(session, labelId, ct) ?? throw new UsageException($"label {labelId} does not exist");
            PrintEvents(chain.Events, parse.GetValue(labelJson));
            return Cli.ExitOk;
        });
        // `audit verify` is added where the commands are composed (Program.cs), so no command class calls another.
        return new Command("audit", "Explain where a datapoint came from, and verify that the event store was not edited.") { sample, label };
    }

    /// <summary>A stream's events in order: JSON (data as stored), or one panel each with its provenance.</summary>
    private static void PrintEvents(IReadOnlyList<JasperFx.Events.IEvent> events, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(events.Select(e => new
            {
                sequence = e.Sequence, version = e.Version, type = e.EventType.Name, timestamp = e.Timestamp, data = e.Data,
            }), Json));
            return;
        }
        foreach (var e in events) AnsiConsole.Write(AuditView.Render(e.Sequence, e.Version, e.Data));
    }
}
