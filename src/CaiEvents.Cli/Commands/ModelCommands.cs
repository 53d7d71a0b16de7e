using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CaiEvents.Application.Demo;
using CaiEvents.Application.Evaluation;
using CaiEvents.Cli.Rendering;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Generator;
using CaiEvents.Workers.Labeller;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai model train-demo|eval-labels</c> and <c>cai bench generate|train|labels|pairs</c>.</summary>
public static class ModelCommands
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The demo corpus is built from the embedded constitution's own requests and comparison questions.</summary>
    public static DemoCorpusInputs DemoInputs() => DemoModelSetup.Inputs();

    /// <summary>Trains builtin:demo unless the cached one was made from the current recipe; returns its report.</summary>
    public static DemoTrainingReport EnsureDemoModel(bool force, CancellationToken ct) =>
        DemoModelSetup.Ensure(force, new ConsoleDemoModelTrainingObserver(), ct);

    public static Command Model()
    {
        var force = new Option<bool>("--force") { Description = "Retrain even if the cached model matches the recipe" };
        var trainDemo = new Command("train-demo",
            "Train builtin:demo on the synthetic corpus (cached; rebuilt when the recipe changes); prints its report as JSON.") { force };
        trainDemo.SetAction((parse, ct) =>
        {
            var report = EnsureDemoModel(parse.GetValue(force), ct);
            Console.WriteLine(JsonSerializer.Serialize(report, Json));
            return Task.FromResult(Cli.ExitOk);
        });
        var evalModel = new Option<string>("--model") { Description = "Feedback model to evaluate", DefaultValueFactory = _ => DemoModel.ModelId };
        var principles = new Option<int>("--principles") { Description = "Comparison principles per label", DefaultValueFactory = _ => 2 };
        var evalLabels = new Command("eval-labels",
            "How often the Labeller's computation (K principles × both orders) prefers the harmless answer of the demo corpus's held-out comparisons "
            + "(one JSON line).") { evalModel, principles };
        evalLabels.SetAction(async (parse, ct) =>
        {
            var result = await LabelEvaluation.EvaluateAsync(parse.GetValue(evalModel)!, parse.GetValue(principles), new ConsoleDemoModelTrainingObserver(),
                ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                eval = "labels", model = result.Model, principles_per_label = result.PrinciplesPerLabel, orders = 2, items = result.Items,
                harmless_preferred_rate = result.HarmlessPreferredRate, mean_p_harmless = result.MeanPHarmless,
            }, Json));
            return Cli.ExitOk;
        });
        return new Command("model", "Model management.") { trainDemo, evalLabels };
    }

    public static Command Bench()
    {
        var model = new Option<string>("--model") { Description = "builtin:tiny, builtin:demo or hf:DIR", DefaultValueFactory = _ => DemoModel.ModelId };
        var newTokens = new Option<int>("--new-tokens") { DefaultValueFactory = _ => 256 };
        var generate = new Command("generate", "Generation tokens/s with and without the KV cache (one JSON line).") { model, newTokens };
        generate.SetAction(async (parse, ct) =>
        {
            using var loaded = LoadTrainable(parse.GetValue(model)!);
            var tokens = parse.GetValue(newTokens);
            var cached = await GenerationBenchmark.RunAsync(loaded, tokens, useKvCache: true, cancellationToken: ct);
            var uncached = await GenerationBenchmark.RunAsync(loaded, tokens, useKvCache: false, repeats: 1, cancellationToken: ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "generate",
                model = loaded.Identity.ModelId,
                parameters = cached.Parameters,
                new_tokens = tokens,
                tokens_per_s_cached = Math.Round(cached.TokensPerSecond, 1),
                tokens_per_s_uncached = Math.Round(uncached.TokensPerSecond, 1),
                speedup = Math.Round(cached.TokensPerSecond / uncached.TokensPerSecond, 2),
                threads = get_num_threads(),
            }, Json));
            return Cli.ExitOk;
        });

        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 16 };
        var length = new Option<int>("--length") { DefaultValueFactory = _ => 256 };
        var train = new Command("train", "Training tokens/s and model FLOPs utilisation against this process's measured matmul GFLOP/s (one JSON line).") { model, steps, batch, length };
        train.SetAction((parse, ct) =>
        {
            using var loaded = LoadTrainable(parse.GetValue(model)!);
            var result = TrainingBenchmark.Run(loaded, parse.GetValue(steps), parse.GetValue(batch), parse.GetValue(length));
            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return Task.FromResult(Cli.ExitOk);
        });
        var pairs = new Option<int>("--pairs") { Description = "Pairs to label (the demo corpus's held-out comparisons, repeated)", DefaultValueFactory = _ => 64 };
        var labelBatch = new Option<int>("--batch") { Description = "Pairs per batched labelling call", DefaultValueFactory = _ => 16 };
        var labels = new Command("labels", "Labeller throughput: labels/s labelling the same pairs one per call and in batches (one JSON line).") { model, pairs, labelBatch };
        labels.SetAction(async (parse, ct) =>
        {
            using var loaded = LoadTrainable(parse.GetValue(model)!);
            var result = await LabelBenchmarkAsync(loaded, parse.GetValue(pairs), parse.GetValue(labelBatch), ct);
            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return Cli.ExitOk;
        });
        var pairCount = new Option<int>("--pairs") { Description = "Response pairs to generate (the demo corpus's held-out prompts, repeated)", DefaultValueFactory = _ => 64 };
        var pairBatch = new Option<int>("--batch") { Description = "Pairs per batched generation call", DefaultValueFactory = _ => 16 };
        var pairTokens = new Option<int>("--new-tokens") { Description = "Most new tokens per response", DefaultValueFactory = _ => 32 };
        var responsePairs = new Command("pairs", "Generator throughput: response pairs/s generating the same pairs one per call and in batches (one JSON line).")
            { model, pairCount, pairBatch, pairTokens };
        responsePairs.SetAction(async (parse, ct) =>
        {
            using var loaded = LoadTrainable(parse.GetValue(model)!);
            var result = await PairBenchmarkAsync(loaded, parse.GetValue(pairCount), parse.GetValue(pairBatch), parse.GetValue(pairTokens), ct);
            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return Cli.ExitOk;
        });
        return new Command("bench", "Benchmarks (numbers for docs/benchmarks.md, never asserted in tests).") { generate, train, labels, responsePairs, PipelineBenchmarks.Scaling(), PipelineBenchmarks.Pipeline(), PipelineBenchmarks.ReplayRate() };
    }

    /// <summary>
    /// Labels the same soft-label pairs (K = 2 principles, both orders) three ways: the per-pair path (one forward
    /// pass per question), <see cref="PreferenceLabeler.LabelManyAsync"/> with one pair per call, and with
    /// <paramref name="batchSize"/> pairs per call. Each way is timed after a warm-up call.
    /// </summary>
    private static async Task<object> LabelBenchmarkAsync(ITextModel model, int pairCount, int batchSize, CancellationToken ct)
    {
        if (pairCount < 1) throw new UsageException($"--pairs: must be at least 1, got {pairCount}");
        if (batchSize < 1) throw new UsageException($"--batch: must be at least 1, got {batchSize}");
        var constitution = ConstitutionLoader.LoadDefault();
        var items = DemoCorpusGenerator.Generate(DemoInputs(), DemoModelRecipe.Default.Corpus).HeldOutComparisons;
        var pairs = Enumerable.Range(0, pairCount).Select(i =>
        {
            var item = items[i % items.Count];
            var chosen = PrincipleSampler.ChooseDistinct(constitution.Comparison, 2, 42, DeterministicIds.Create(Guid.Empty, $"bench:{i}"), "comparison");
            return new PreferencePair(item.Prompt, item.OptionA, item.OptionB, chosen);
        }).ToList();

        async Task<(double Seconds, List<PreferenceLabel> Labels)> Time(int batch, bool perQuestion)
        {
            async Task<IReadOnlyList<PreferenceLabel>> Label(IReadOnlyList<PreferencePair> chunk) => perQuestion
                ? [await PreferenceLabeler.LabelAsync(model, chunk[0].Prompt, chunk[0].ResponseA, chunk[0].ResponseB, chunk[0].Principles, LabelMode.Soft, 0.4, 0.6, null, ct)]
                : await PreferenceLabeler.LabelManyAsync(model, chunk, LabelMode.Soft, 0.4, 0.6, ct);
            await Label(pairs.Take(batch).ToList()); // warm-up
            var labels = new List<PreferenceLabel>(pairs.Count);
            var watch = Stopwatch.StartNew();
            foreach (var chunk in pairs.Chunk(batch)) labels.AddRange(await Label(chunk));
            return (watch.Elapsed.TotalSeconds, labels);
        }

        var perQuestion = await Time(1, perQuestion: true);
        var one = await Time(1, perQuestion: false);
        var many = await Time(batchSize, perQuestion: false);
        var maxDifference = perQuestion.Labels.Zip(many.Labels, (a, b) => Math.Abs(a.ProbabilityA - b.ProbabilityA))
            .Concat(one.Labels.Zip(many.Labels, (a, b) => Math.Abs(a.ProbabilityA - b.ProbabilityA))).Max();
        return new
        {
            bench = "labels",
            model = model.Identity.ModelId,
            pairs = pairs.Count,
            principles_per_label = 2,
            orders = 2,
            batch = batchSize,
            labels_per_s_unbatched = Math.Round(pairs.Count / perQuestion.Seconds, 1),
            labels_per_s_batch_1 = Math.Round(pairs.Count / one.Seconds, 1),
            labels_per_s_batch_n = Math.Round(pairs.Count / many.Seconds, 1),
            speedup_batch_n_vs_1 = Math.Round(one.Seconds / many.Seconds, 2),
            max_label_difference = maxDifference,
            threads = get_num_threads(),
        };
    }

    /// <summary>
    /// Generates the same response pairs (the Generator's pair step: two sampled responses per prompt, seeds derived
    /// per response) three ways: the per-pair path (<see cref="ResponsePairGeneration.GenerateAsync"/>, one model call
    /// per response), <see cref="ResponsePairGeneration.GenerateManyAsync"/> with one pair per call, and with
    /// <paramref name="batchSize"/> pairs per call. Each way is timed after a warm-up call; the texts must agree.
    /// </summary>
    private static async Task<object> PairBenchmarkAsync(ITextModel model, int pairCount, int batchSize, int newTokens, CancellationToken ct)
    {
        if (pairCount < 1) throw new UsageException($"--pairs: must be at least 1, got {pairCount}");
        if (batchSize < 1) throw new UsageException($"--batch: must be at least 1, got {batchSize}");
        if (newTokens < 1) throw new UsageException($"--new-tokens: must be at least 1, got {newTokens}");
        var sampling = new SamplingParameters(Temperature: 1.0, MaxNewTokens: newTokens);
        var items = DemoCorpusGenerator.Generate(DemoInputs(), DemoModelRecipe.Default.Corpus).HeldOutComparisons;
        var pairs = Enumerable.Range(0, pairCount).Select(i => DeterministicIds.Create(Guid.Empty, $"bench-pair:{i}"))
            .Select((id, i) => new PairInput(42, id, id, PromptFormat.RenderResponsePrompt(items[i % items.Count].Prompt))).ToList();

        async Task<(double Seconds, List<GeneratedPair> Pairs)> Time(int batch, bool perResponse)
        {
            async Task<IReadOnlyList<GeneratedPair>> Generate(IReadOnlyList<PairInput> chunk) => perResponse
                ? [await ResponsePairGeneration.GenerateAsync(model, chunk[0], sampling, ct)]
                : await ResponsePairGeneration.GenerateManyAsync(model, chunk, sampling, ct);
            await Generate(pairs.Take(batch).ToList()); // warm-up
            var generated = new List<GeneratedPair>(pairs.Count);
            var watch = Stopwatch.StartNew();
            foreach (var chunk in pairs.Chunk(batch)) generated.AddRange(await Generate(chunk));
            return (watch.Elapsed.TotalSeconds, generated);
        }

        var perResponse = await Time(1, perResponse: true);
        var one = await Time(1, perResponse: false);
        var many = await Time(batchSize, perResponse: false);
        var differing = perResponse.Pairs.Zip(many.Pairs, (a, b) => a == b).Concat(one.Pairs.Zip(many.Pairs, (a, b) => a == b)).Count(same => !same);
        return new
        {
            bench = "pairs",
            model = model.Identity.ModelId,
            pairs = pairs.Count,
            new_tokens = newTokens,
            batch = batchSize,
            pairs_per_s_unbatched = Math.Round(pairs.Count / perResponse.Seconds, 1),
            pairs_per_s_batch_1 = Math.Round(pairs.Count / one.Seconds, 1),
            pairs_per_s_batch_n = Math.Round(pairs.Count / many.Seconds, 1),
            speedup_batch_n_vs_1 = Math.Round(one.Seconds / many.Seconds, 2),
            differing_pairs = differing,
            threads = get_num_threads(),
        };
    }

    private static Gpt2TextModel LoadTrainable(string modelId)
    {
        if (modelId == DemoModel.ModelId) EnsureDemoModel(force: false, CancellationToken.None);
        return ModelCatalog.Load(modelId, new ModelOptions(Device: "cpu")) as Gpt2TextModel
               ?? throw new UsageException($"--model: {modelId} is not a local GPT-2 model");
    }
}
