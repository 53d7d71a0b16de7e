using System.CommandLine;
using System.Text.Json;
using CaiEvents.Application.Demo;
using CaiEvents.Benchmarks.ModelCompute;
using CaiEvents.Benchmarks.Pipeline;
using CaiEvents.Cli.Rendering;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Synthetic;
using CaiEvents.Models.Training;
using CaiEvents.Workers.Submission;

namespace CaiEvents.Cli.Commands;

/// <summary>
/// <c>cai bench generate|train|labels|pairs|scaling|scale|pipeline|replay|load</c>: parse the options, run one benchmark of
/// CaiEvents.Benchmarks, print its result as one JSON line on stdout (progress on stderr).
/// </summary>
public static class BenchCommands
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Bench()
    {
        // One --model option, shared by the four model benchmarks.
        var model = new Option<string>("--model") { Description = "builtin:tiny, builtin:demo or hf:DIR", DefaultValueFactory = _ => DemoModel.ModelId };
        return new Command("bench", "Benchmarks (numbers for docs/benchmarks.md, never asserted in tests).")
        {
            Generate(model), Train(model), Labels(model), Pairs(model), Scaling(), Scale(), Pipeline(), Replay(), Load(),
        };
    }

    private static Command Load()
    {
        var model = new Option<string>("--model") { Description = "hf:DIR checkpoint to load", Required = true };
        var command = new Command("load", "Peak resident memory of loading a checkpoint against its weight files' size (one JSON line).") { model };
        command.SetAction((parse, _) =>
        {
            var result = CheckpointLoadBenchmark.Run(parse.GetValue(model)!, new ModelOptions(Device: "cpu"));
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "load",
                model = result.Model,
                architecture = result.Architecture,
                file_mb = Math.Round(result.FileBytes / 1e6, 1),
                weights_mb = Math.Round(result.WeightBytes / 1e6, 1),
                peak_growth_mb = Math.Round(result.PeakGrowthBytes / 1e6, 1),
                resident_growth_mb = Math.Round(result.ResidentGrowthBytes / 1e6, 1),
                peak_over_weights = Math.Round(result.PeakOverWeights, 2),
                peak_over_files = Math.Round(result.PeakOverFiles, 2),
                seconds = Math.Round(result.Seconds, 2),
            }, Json));
            return Task.FromResult(Cli.ExitOk);
        });
        return command;
    }

    private static Command Generate(Option<string> model)
    {
        var newTokens = new Option<int>("--new-tokens") { DefaultValueFactory = _ => 256 };
        var against = new Option<string?>("--against")
        {
            Description = "gguf:FILE, an f32 GGUF of --model's weights: time llama.cpp side by side with it (greedy, interleaved runs)",
        };
        var batches = new Option<string>("--batch")
        {
            Description = "With --against: batch sizes to time, comma-separated", DefaultValueFactory = _ => "1,8",
        };
        var uncachedBatches = new Option<string>("--uncached-batch")
        {
            Description = "With --against: batch sizes also timed without the KV cache (quadratic; one run each), comma-separated",
            DefaultValueFactory = _ => "1",
        };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "With --against: prompt length in tokens", DefaultValueFactory = _ => 16 };
        var repeats = new Option<int>("--repeats") { Description = "With --against: timed runs per point with the KV cache", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads")
        {
            Description = "With --against: threads of each side (TorchSharp and llama.cpp alike); 0 = TorchSharp's default", DefaultValueFactory = _ => 0,
        };
        var json = new Option<bool>("--json") { Description = "With --against: one JSON line instead of a table (without it the output is always JSON)" };
        var command = new Command("generate",
            "Generation tokens/s with and without the KV cache (one JSON line); with --against, our TorchSharp model against llama.cpp.")
            { model, newTokens, against, batches, uncachedBatches, promptTokens, repeats, threads, json };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(against) is { } gguf)
            {
                var settings = new LlamaCppComparisonSettings(parse.GetValue(model)!, gguf, BatchList(parse.GetValue(batches)!, "--batch"),
                    AtLeastOne(parse.GetValue(newTokens), "--new-tokens"), AtLeastOne(parse.GetValue(promptTokens), "--prompt-tokens"),
                    AtLeastOne(parse.GetValue(repeats), "--repeats"), BatchList(parse.GetValue(uncachedBatches)!, "--uncached-batch"),
                    Threads: parse.GetValue(threads) is var t && t is >= 0 and <= 256 ? t
                        : throw new UsageException($"--threads: must be between 0 and 256, got {t}"));
                var comparison = await LlamaCppComparisonBenchmark.RunAsync(settings, Console.Error.WriteLine, ct);
                PrintComparison(comparison, parse.GetValue(json));
                return Cli.ExitOk;
            }
            using var loaded = LoadTrainable(parse.GetValue(model)!);
            var result = await KvCacheBenchmark.RunAsync(loaded, parse.GetValue(newTokens), ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "generate",
                model = result.Model,
                parameters = result.Parameters,
                new_tokens = result.NewTokens,
                tokens_per_s_cached = Math.Round(result.TokensPerSecondCached, 1),
                tokens_per_s_uncached = Math.Round(result.TokensPerSecondUncached, 1),
                speedup = Math.Round(result.Speedup, 2),
                threads = result.Threads,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    private static void PrintComparison(LlamaCppComparisonResult result, bool json)
    {
        static double? Mib(long? bytes) => bytes is { } b ? Math.Round(b / 1048576.0, 1) : null;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "generate",
                model = result.Model,
                against = result.Gguf,
                parameters = result.Parameters,
                prompt_tokens = result.PromptTokens,
                new_tokens = result.NewTokens,
                torch_threads = result.TorchThreads,
                llama_cpp_threads = result.LlamaCppThreads,
                torchsharp_peak_mib = Mib(result.TorchSharpPeakBytes),
                llama_cpp_peak_mib = Mib(result.LlamaCppPeakBytes),
                gguf_mib = Mib(result.GgufBytes),
                greedy_agreement = Math.Round(result.GreedyAgreement, 4),
                points = result.Points.Select(p => new
                {
                    batch = p.BatchSize,
                    kv_cache = p.UseKvCache,
                    torchsharp_tokens_per_s = Math.Round(p.TorchSharp.TokensPerSecond, 1),
                    llama_cpp_tokens_per_s = Math.Round(p.LlamaCpp.TokensPerSecond, 1),
                    ratio = Math.Round(p.Ratio, 3),
                    torchsharp_seconds = p.TorchSharp.RunSeconds.Select(s => Math.Round(s, 3)),
                    llama_cpp_seconds = p.LlamaCpp.RunSeconds.Select(s => Math.Round(s, 3)),
                }),
            }, Json));
            return;
        }
        Console.WriteLine($"{result.Model} ({result.Parameters:N0} parameters) against {result.Gguf}: prompt {result.PromptTokens} tokens, "
            + $"{result.NewTokens} greedy tokens per row; threads TorchSharp {result.TorchThreads}, llama.cpp {result.LlamaCppThreads}");
        Console.WriteLine($"{"batch",5} {"KV cache",8} {"TorchSharp tok/s",16} {"llama.cpp tok/s",15} {"ratio",6}");
        foreach (var p in result.Points)
        {
            var cache = p.UseKvCache ? "yes" : "no";
            Console.WriteLine($"{p.BatchSize,5} {cache,8} {p.TorchSharp.TokensPerSecond,16:0.0} {p.LlamaCpp.TokensPerSecond,15:0.0} {p.Ratio,6:0.00}");
        }
        Console.WriteLine($"peak RSS growth while loading + one run: TorchSharp {Mib(result.TorchSharpPeakBytes)?.ToString() ?? "unmeasured"} MiB, "
            + $"llama.cpp {Mib(result.LlamaCppPeakBytes)?.ToString() ?? "unmeasured"} MiB (GGUF file {Mib(result.GgufBytes)} MiB); "
            + $"greedy token agreement {result.GreedyAgreement:P1}");
    }

    private static IReadOnlyList<int> BatchList(string value, string option) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(b => int.TryParse(b, out var n) && n is >= 1 and <= 64 ? n
                : throw new UsageException($"{option}: '{b}' is not a batch size between 1 and 64"))
            .ToList();

    private static Command Train(Option<string> model)
    {
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch") { Description = "Micro-batch size", DefaultValueFactory = _ => 16 };
        var length = new Option<int>("--length") { DefaultValueFactory = _ => 256 };
        var precisions = new Option<string>("--precision")
        {
            Description = "fp32, bf16, or a list (fp32,bf16) measured one after the other in this process, one JSON line each",
            DefaultValueFactory = _ => "fp32",
        };
        var accumulation = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => 1 };
        var checkpointing = new Option<bool>("--activation-checkpointing") { Description = "Recompute each decoder block in backward" };
        var loraRanks = new Option<string>("--lora-rank")
        {
            Description = "0 (full fine-tuning), r (LoRA of rank r on the default targets), or 0,r: full first, then LoRA, in this process",
            DefaultValueFactory = _ => "0",
        };
        var command = new Command("train",
            "Training tokens/s, model FLOPs utilisation against this process's measured matmul GFLOP/s, and peak memory growth (one JSON line per precision).")
        {
            model, steps, batch, length, precisions, accumulation, checkpointing, loraRanks,
        };
        command.SetAction((parse, ct) =>
        {
            var settings = LoraRanks(parse.GetValue(loraRanks)!).SelectMany(rank =>
                TrainingBenchSettings(parse.GetValue(precisions)!, parse.GetValue(accumulation), parse.GetValue(checkpointing))
                    .Select(setting => setting with { LoraRank = rank })).ToList();
            using var loaded = LoadTrainable(parse.GetValue(model)!);
            foreach (var setting in settings)
            {
                var result = TrainingBenchmark.Run(loaded, parse.GetValue(steps), parse.GetValue(batch), parse.GetValue(length), settings: setting);
                Console.WriteLine(JsonSerializer.Serialize(result, Json));
            }
            return Task.FromResult(Cli.ExitOk);
        });
        return command;
    }

    /// <summary>
    /// The LoRA ranks to measure, full fine-tuning (0) first: adapters stay attached once made, so at most one rank above 0 per process.
    /// </summary>
    private static List<int> LoraRanks(string value)
    {
        var ranks = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => int.TryParse(r, out var n) && n is >= 0 and <= 4096 ? n
                : throw new UsageException($"--lora-rank: '{r}' is not 0 or a rank between 1 and 4096"))
            .Distinct().Order().ToList();
        if (ranks.Count == 0) throw new UsageException("--lora-rank: no rank given");
        if (ranks.Count(r => r > 0) > 1) throw new UsageException("--lora-rank: at most one LoRA rank per run (adapters stay attached once made)");
        return ranks;
    }

    /// <summary>One setting per listed precision; a bad precision or accumulation is a usage error naming its flag.</summary>
    private static List<TrainingBenchmarkSettings> TrainingBenchSettings(string precisions, int accumulation, bool checkpointing)
    {
        if (accumulation < 1) throw new UsageException($"--grad-accum: must be ≥ 1, got {accumulation}");
        return precisions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name =>
        {
            TrainingPrecision precision;
            try
            {
                precision = TrainingPrecisions.Parse(name);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--precision: {e.Message}");
            }
            if (precision == TrainingPrecision.Fp16) throw new UsageException($"--precision: {TrainingPrecisions.Fp16Refusal}");
            return new TrainingBenchmarkSettings(precision, accumulation, checkpointing);
        }).ToList() is { Count: > 0 } list ? list : throw new UsageException("--precision: no precision given");
    }

    private static Command Labels(Option<string> model)
    {
        var pairs = new Option<int>("--pairs")
        {
            Description = "Pairs to label (the demo corpus's held-out comparisons, repeated)", DefaultValueFactory = _ => 64,
        };
        var batch = new Option<int>("--batch") { Description = "Pairs per batched labelling call", DefaultValueFactory = _ => 16 };
        var command = new Command("labels",
            "Labeller throughput: labels/s labelling the same pairs one per call and in batches (one JSON line).") { model, pairs, batch };
        command.SetAction(async (parse, ct) =>
        {
            using var loaded = LoadTrainable(parse.GetValue(model)!);
            var settings = new LabelBatchingSettings(DemoModelSetup.Inputs(), AtLeastOne(parse.GetValue(pairs), "--pairs"),
                AtLeastOne(parse.GetValue(batch), "--batch"));
            var result = await LabelBatchingBenchmark.RunAsync(loaded, settings, ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "labels",
                model = result.Model,
                pairs = settings.Pairs,
                principles_per_label = LabelBatchingSettings.PrinciplesPerLabel,
                orders = LabelBatchingSettings.Orders,
                batch = settings.BatchSize,
                labels_per_s_unbatched = Math.Round(result.LabelsPerSUnbatched, 1),
                labels_per_s_batch_1 = Math.Round(result.LabelsPerSBatch1, 1),
                labels_per_s_batch_n = Math.Round(result.LabelsPerSBatchN, 1),
                speedup_batch_n_vs_1 = Math.Round(result.SpeedupBatchNVs1, 2),
                max_label_difference = result.MaxLabelDifference,
                threads = result.Threads,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Pairs(Option<string> model)
    {
        var pairs = new Option<int>("--pairs")
        {
            Description = "Response pairs to generate (the demo corpus's held-out prompts, repeated)", DefaultValueFactory = _ => 64,
        };
        var batch = new Option<int>("--batch") { Description = "Pairs per batched generation call", DefaultValueFactory = _ => 16 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Most new tokens per response", DefaultValueFactory = _ => 32 };
        var command = new Command("pairs",
            "Generator throughput: response pairs/s generating the same pairs one per call and in batches (one JSON line).") { model, pairs, batch, newTokens };
        command.SetAction(async (parse, ct) =>
        {
            using var loaded = LoadTrainable(parse.GetValue(model)!);
            var settings = new PairBatchingSettings(DemoModelSetup.Inputs(), AtLeastOne(parse.GetValue(pairs), "--pairs"),
                AtLeastOne(parse.GetValue(batch), "--batch"), AtLeastOne(parse.GetValue(newTokens), "--new-tokens"));
            var result = await PairBatchingBenchmark.RunAsync(loaded, settings, ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "pairs",
                model = result.Model,
                pairs = settings.Pairs,
                new_tokens = settings.NewTokens,
                batch = settings.BatchSize,
                pairs_per_s_unbatched = Math.Round(result.PairsPerSUnbatched, 1),
                pairs_per_s_batch_1 = Math.Round(result.PairsPerSBatch1, 1),
                pairs_per_s_batch_n = Math.Round(result.PairsPerSBatchN, 1),
                speedup_batch_n_vs_1 = Math.Round(result.SpeedupBatchNVs1, 2),
                differing_pairs = result.DifferingPairs,
                threads = result.Threads,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Scaling()
    {
        var prompts = new Option<int>("--prompts") { Description = "Prompts per timed run", DefaultValueFactory = _ => 96 };
        var revisions = new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 };
        var latency = new Option<int>("--latency-ms")
        {
            Description = "The Critic model's latency per call (builtin:echo?latency-ms=N)", DefaultValueFactory = _ => 50,
        };
        var workers = new Option<string>("--workers")
        {
            Description = "Critic worker process counts to measure, comma-separated", DefaultValueFactory = _ => "1,2,4,8",
        };
        var hostConcurrency = new Option<int>("--host-concurrency")
        {
            Description = "Concurrency (and prefetch) of the Generator and the Reviser in this process "
                + "(zero-cost model, so ample: they must not be the ceiling)",
            DefaultValueFactory = _ => 32,
        };
        var warmup = new Option<int>("--warmup-per-process")
        {
            Description = "Untimed warm-up prompts per Critic process before each timed run", DefaultValueFactory = _ => 192,
        };
        var command = new Command("scaling",
            "Horizontal scaling: an SL run whose Critic sleeps --latency-ms per call (a remote LLM), with N `cai worker critic --concurrency 1` processes; "
            + "samples/s and speed-up over one process (one JSON line).")
            { prompts, revisions, latency, workers, hostConcurrency, warmup };
        command.SetAction(async (parse, ct) =>
        {
            var counts = parse.GetValue(workers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(w => int.TryParse(w, out var n) && n is >= 1 and <= 64 ? n
                    : throw new UsageException($"--workers: '{w}' is not a process count between 1 and 64"))
                .ToList();
            var (n, r, ms) = (Positive(parse.GetValue(prompts), "--prompts", 10_000),
                Positive(parse.GetValue(revisions), "--revisions", RunSubmitter.MaxRevisions), parse.GetValue(latency));
            if (ms is < 0 or > 10_000) throw new UsageException($"--latency-ms: must be between 0 and 10000, got {ms}");
            var settings = new ScalingSettings(n, r, ms, counts, Positive(parse.GetValue(hostConcurrency), "--host-concurrency", 256),
                Positive(parse.GetValue(warmup), "--warmup-per-process", 1_000));
            var result = await ScalingBenchmark.RunAsync(Cli.Configuration(), settings, PrintEnvironment, point =>
            {
                Console.Error.WriteLine($"{point.Workers} critic process(es): {n} samples in {point.Seconds:0.00} s = {point.SamplesPerS:0.0} samples/s, "
                    + $"{point.CritiquesPerS:0.0} critiques/s (latency bound {point.CritiqueBoundPerS:0}); "
                    + $"middle 80% of its critiques: {point.SteadyCritiquesPerS:0.0} critiques/s");
                Console.Error.WriteLine($"  ms from the previous event of the sample (command sent, queued, run, committed), median / p90: {point.StepGaps}");
            }, ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "scaling",
                prompts = n,
                revisions = r,
                critic_model = settings.CriticModel,
                generator_reviser_model = EchoModel.ModelId,
                critic_concurrency_per_process = ScalingSettings.CriticConcurrencyPerProcess,
                generator_reviser_concurrency = settings.HostConcurrency,
                points = result.Points.Select(p => new
                {
                    workers = p.Workers,
                    seconds = Math.Round(p.Seconds, 3),
                    samples_per_s = Math.Round(p.SamplesPerS, 2),
                    critiques_per_s = Math.Round(p.CritiquesPerS, 1),
                    speedup_vs_first = result.SpeedupVsFirst(p),
                    steady_critiques_per_s = Math.Round(p.SteadyCritiquesPerS, 1),
                    steady_speedup_vs_first = result.SteadySpeedupVsFirst(p),
                }),
                warmup_prompts_per_process = settings.WarmupPromptsPerProcess,
                processors = result.Processors,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Scale()
    {
        var prompts = new Option<int>("--prompts") { Description = "Prompts in the run", DefaultValueFactory = _ => 1000 };
        var revisions = new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 };
        var workers = new Option<int>("--workers")
        {
            Description = "`cai worker generator critic reviser` processes", DefaultValueFactory = _ => 2,
        };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Messages each role of each worker process handles at once", DefaultValueFactory = _ => 8,
        };
        var command = new Command("scale",
            "A run at scale as a user makes one: `cai submit` of --prompts prompts on builtin:echo, --workers worker processes over RabbitMQ, "
            + "`cai wait`; samples/s over the first and last tenth of the run, every process's peak RSS, the time of `status`, `export sl` "
            + "and `audit verify --run` at its end, and whether every prompt has exactly one final example (one JSON line).")
            { prompts, revisions, workers, concurrency };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new ScaleSettings(Positive(parse.GetValue(prompts), "--prompts", 1_000_000),
                Positive(parse.GetValue(revisions), "--revisions", RunSubmitter.MaxRevisions), Positive(parse.GetValue(workers), "--workers", 64),
                Positive(parse.GetValue(concurrency), "--concurrency", 256));
            var result = await ScaleBenchmark.RunAsync(Cli.Configuration(), settings, PrintEnvironment, line => Console.Error.WriteLine($"bench: {line}"), ct);
            static double? Mib(long? bytes) => bytes is { } b ? Math.Round(b / 1048576.0, 1) : null;
            var a = result.Accounting;
            Console.Error.WriteLine($"{settings.Prompts} samples in {result.Seconds:0.0} s = {result.SamplesPerS:0.0} samples/s; first tenth "
                + $"{result.FirstTenthSamplesPerS:0.0}/s, last tenth {result.LastTenthSamplesPerS:0.0}/s ({result.LastOverFirst:0.00}x); "
                + $"lost {a.Lost}, doubled {a.Doubled}, failed {a.Failures}, steps twice {a.DuplicateSteps}");
            Console.Error.WriteLine($"status {result.Status.Seconds:0.00} s, export {result.Export.Seconds:0.00} s ({result.ExportedRows} rows), "
                + $"audit verify --run {result.Audit.Seconds:0.00} s; peak RSS MiB: "
                + string.Join(", ", result.Processes.Select(p => $"{p.Process} {Mib(p.PeakResidentBytes)?.ToString() ?? "?"}")));
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "scale",
                prompts = settings.Prompts,
                revisions = settings.Revisions,
                workers = settings.Workers,
                concurrency_per_role = settings.ConcurrencyPerWorker,
                model = EchoModel.ModelId,
                run_id = result.RunId,
                seconds = Math.Round(result.Seconds, 3),
                samples_per_s = Math.Round(result.SamplesPerS, 2),
                first_tenth_samples_per_s = Math.Round(result.FirstTenthSamplesPerS, 2),
                last_tenth_samples_per_s = Math.Round(result.LastTenthSamplesPerS, 2),
                last_over_first = Math.Round(result.LastOverFirst, 3),
                samples = a.Samples,
                finalized = a.FinalizedEvents,
                lost = a.Lost,
                doubled = a.Doubled,
                failed = a.Failures,
                duplicate_steps = a.DuplicateSteps,
                exported_rows = result.ExportedRows,
                submit_seconds = Math.Round(result.Submit.Seconds, 3),
                status_seconds = Math.Round(result.Status.Seconds, 3),
                export_seconds = Math.Round(result.Export.Seconds, 3),
                audit_verify_seconds = Math.Round(result.Audit.Seconds, 3),
                peak_rss_mib = result.Processes.Select(p => new { process = p.Process, mib = Mib(p.PeakResidentBytes) }),
                load_average_before = result.LoadBefore,
                load_average_after = result.LoadAfter,
                processors = result.Processors,
            }, Json));
            return a.ExactlyOnce && result.ExportedRows == a.Samples ? Cli.ExitOk : Cli.ExitFailure;
        });
        return command;
    }

    private static Command Pipeline()
    {
        var prompts = new Option<int>("--prompts") { Description = "Prompts in the timed run", DefaultValueFactory = _ => 200 };
        var revisions = new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 };
        var concurrency = new Option<int>("--concurrency") { Description = "Messages each role processes at once", DefaultValueFactory = _ => 8 };
        var command = new Command("pipeline",
            "Infrastructure throughput: the full SL chain (Generator, Critic, Reviser in this process) over RabbitMQ + PostgreSQL "
            + "with the zero-cost builtin:echo model; samples/s and events/s, and the same events appended straight into Marten "
            + "(one transaction per step, as many writers as consumers) as the baseline it is a ratio of (one JSON line).")
            { prompts, revisions, concurrency };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new PipelineThroughputSettings(Positive(parse.GetValue(prompts), "--prompts", 100_000),
                Positive(parse.GetValue(revisions), "--revisions", RunSubmitter.MaxRevisions), Positive(parse.GetValue(concurrency), "--concurrency", 256));
            var result = await PipelineThroughputBenchmark.RunAsync(Cli.Configuration(), settings, PrintEnvironment, ct);
            var (n, events, seconds) = (settings.Prompts, result.Events, result.Seconds);
            var baseline = result.Baseline;
            Console.Error.WriteLine($"{n} samples, {events} events in {seconds:0.00} s: {result.SamplesPerS:0.0} samples/s, {result.EventsPerS:0} events/s");
            Console.Error.WriteLine($"raw Marten baseline ({baseline.AppendMode} appends, {baseline.Writers} writers, no broker, no model): "
                + $"{baseline.Events} events in {baseline.Transactions} transactions, {baseline.Seconds:0.00} s = {baseline.EventsPerS:0} events/s; "
                + $"pipeline / baseline = {result.RatioToBaseline:0.000}");
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "pipeline",
                prompts = n,
                revisions = settings.Revisions,
                model = EchoModel.ModelId,
                concurrency_per_role = settings.ConcurrencyPerRole,
                seconds = Math.Round(seconds, 3),
                events,
                samples_per_s = Math.Round(result.SamplesPerS, 2),
                events_per_s = Math.Round(result.EventsPerS, 1),
                baseline = new
                {
                    append_mode = baseline.AppendMode,
                    writers = baseline.Writers,
                    events = baseline.Events,
                    transactions = baseline.Transactions,
                    seconds = Math.Round(baseline.Seconds, 3),
                    events_per_s = Math.Round(baseline.EventsPerS, 1),
                },
                ratio_to_baseline = Math.Round(result.RatioToBaseline, 4),
                processors = result.Processors,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Replay()
    {
        var prompts = new Option<int>("--prompts") { Description = "Prompts in the dataset that is rebuilt", DefaultValueFactory = _ => 200 };
        var revisions = new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 };
        var pairs = new Option<bool>("--pairs") { Description = "Also run the RL labelling stage, so the dataset holds response pairs and labels" };
        var repetitions = new Option<int>("--repetitions")
        {
            Description = "Timed repetitions of each side (after one untimed warm-up each)", DefaultValueFactory = _ => 3,
        };
        var command = new Command("replay",
            "Replay rate: builds a dataset with builtin:echo, then times the whole-store rebuild `cai replay` runs against a raw "
            + "`COPY (SELECT data FROM <schema>.mt_events) TO STDOUT` of the same database; events/s of each and their ratio (one JSON line).")
            { prompts, revisions, pairs, repetitions };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new ReplayRateSettings(Positive(parse.GetValue(prompts), "--prompts", 100_000),
                Positive(parse.GetValue(revisions), "--revisions", RunSubmitter.MaxRevisions), parse.GetValue(pairs),
                Positive(parse.GetValue(repetitions), "--repetitions", 100));
            var result = await ReplayRateBenchmark.RunAsync(Cli.Configuration(), settings, PrintEnvironment, ct);
            var (events, replay, daemon, copy) = (result.Events, result.MedianReplaySeconds, result.MedianDaemonSeconds, result.MedianCopySeconds);
            Console.Error.WriteLine($"{events} events ({result.DataBytes} bytes of data): rebuild {replay:0.000} s = {events / replay:0} events/s, "
                + $"Marten's daemon rebuild {daemon:0.000} s = {events / daemon:0} events/s, COPY {copy:0.000} s = {events / copy:0} events/s; "
                + $"rebuild / COPY = {copy / replay:0.000} (medians of {settings.Repetitions})");
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "replay",
                prompts = settings.Prompts,
                revisions = settings.Revisions,
                pairs = settings.WithPairs,
                model = EchoModel.ModelId,
                events,
                data_bytes = result.DataBytes,
                rebuilt = new { runs = result.Rebuilt.Runs, samples = result.Rebuilt.Samples, comparisons = result.Rebuilt.Comparisons },
                repetitions = settings.Repetitions,
                replay_seconds = result.ReplaySeconds.Select(s => Math.Round(s, 4)),
                daemon_seconds = result.DaemonSeconds.Select(s => Math.Round(s, 4)),
                copy_seconds = result.CopySeconds.Select(s => Math.Round(s, 4)),
                replay_events_per_s = Math.Round(events / replay, 1),
                daemon_events_per_s = Math.Round(events / daemon, 1),
                copy_events_per_s = Math.Round(events / copy, 1),
                replay_vs_copy = Math.Round(copy / replay, 4),
                copy_vs_replay = Math.Round(replay / copy, 1),
                processors = result.Processors,
            }, Json));
            return Cli.ExitOk;
        });
        return command;
    }

    private static void PrintEnvironment(BenchmarkEnvironment environment) =>
        Console.Error.WriteLine($"bench: event-store schema {environment.Schema}, RabbitMQ virtual host {environment.VirtualHost} (both removed at the end)");

    private static int Positive(int value, string option, int max) =>
        value >= 1 && value <= max ? value : throw new UsageException($"{option}: must be between 1 and {max}, got {value}");

    private static int AtLeastOne(int value, string option) =>
        value >= 1 ? value : throw new UsageException($"{option}: must be at least 1, got {value}");

    /// <summary>A local model on the CPU; builtin:demo is trained first if its cache is missing or stale.</summary>
    private static LocalTextModel LoadTrainable(string modelId)
    {
        if (modelId == DemoModel.ModelId) DemoModelSetup.Ensure(force: false, new ConsoleDemoModelTrainingObserver(), CancellationToken.None);
        return ModelCatalog.Load(modelId, new ModelOptions(Device: "cpu")) as LocalTextModel
               ?? throw new UsageException($"--model: {modelId} is not a local TorchSharp model (builtin:tiny, builtin:demo or hf:DIR)");
    }
}
